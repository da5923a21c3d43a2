import { createEvent, newEventId, type BillingInterval, type PlanId } from '@tenantry/contracts';
import type { Platform } from '@tenantry/runtime';
import { eventually } from '@tenantry/testing';
import { SUBSCRIPTIONS_CONSUMER_GROUP, type SubscriptionEvent } from '../subscriptions/follow-subscriptions';

const SOURCE = '/tenantry/billing';
const DAY_MS = 24 * 60 * 60 * 1000;

/** What every subscription event of a tenant carries. */
function common(tenantId: string, revision: number) {
  const start = new Date();
  return {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    effective_at: start.toISOString(),
    period: { start: start.toISOString(), end: new Date(start.getTime() + 30 * DAY_MS).toISOString() },
  };
}

/** Billing's subscription events, as billing would publish them, with the fields a test cares about up front. */
export const subscriptionEvents = {
  created: (tenantId: string, revision: number, planId: PlanId = 'basic', status: 'trialing' | 'active' = 'trialing') =>
    createEvent('subscription.created', {
      tenantId,
      source: SOURCE,
      data: { ...common(tenantId, revision), plan_id: planId, interval: 'monthly', status },
    }),
  activated: (tenantId: string, revision: number, planId: PlanId = 'basic') =>
    createEvent('subscription.activated', {
      tenantId,
      source: SOURCE,
      data: { ...common(tenantId, revision), plan_id: planId, interval: 'monthly' },
    }),
  upgraded: (tenantId: string, revision: number, fromPlanId: PlanId, toPlanId: PlanId) =>
    createEvent('subscription.upgraded', {
      tenantId,
      source: SOURCE,
      data: {
        ...common(tenantId, revision),
        from_plan_id: fromPlanId,
        to_plan_id: toPlanId,
        from_interval: 'monthly',
        interval: 'monthly',
      },
    }),
  downgraded: (tenantId: string, revision: number, fromPlanId: PlanId, toPlanId: PlanId) =>
    createEvent('subscription.downgraded', {
      tenantId,
      source: SOURCE,
      data: {
        ...common(tenantId, revision),
        from_plan_id: fromPlanId,
        to_plan_id: toPlanId,
        from_interval: 'monthly',
        interval: 'monthly',
        timing: 'period_end',
      },
    }),
  intervalChanged: (tenantId: string, revision: number, planId: PlanId, interval: BillingInterval) =>
    createEvent('subscription.interval_changed', {
      tenantId,
      source: SOURCE,
      data: {
        ...common(tenantId, revision),
        plan_id: planId,
        from_interval: interval === 'annual' ? 'monthly' : 'annual',
        interval,
        timing: 'immediate',
      },
    }),
  cancelled: (tenantId: string, revision: number, planId: PlanId = 'basic') =>
    createEvent('subscription.cancelled', {
      tenantId,
      source: SOURCE,
      data: { ...common(tenantId, revision), plan_id: planId, interval: 'monthly', timing: 'immediate', reason: 'customer asked' },
    }),
};

/** The same event published again under a new id: what the processed-event store cannot recognise. */
export function republished<E extends SubscriptionEvent>(event: E): E {
  return { ...event, id: newEventId() };
}

/**
 * Publishes the events one at a time, each only once the tenants service's consumer group has handled
 * the one before: the order the test gives is the order they are applied in, whatever topics they are on.
 */
export async function deliverInOrder(platform: Platform, events: readonly SubscriptionEvent[], timeoutMs = 15_000): Promise<void> {
  const processed = await platform.persistence.processedEventStore();
  for (const event of events) {
    await platform.bus.publish([event]);
    await eventually(() => processed.isProcessed(SUBSCRIPTIONS_CONSUMER_GROUP, event.id), {
      timeoutMs,
      description: `${event.type} (revision ${event.data.revision}) to be handled by ${SUBSCRIPTIONS_CONSUMER_GROUP}`,
    });
  }
}
