import { SUBSCRIPTION_EVENT_TYPES, type SubscriptionEventType, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import type { SubscriptionChange, Tenants } from '../tenants/tenants';

export const SUBSCRIPTIONS_CONSUMER_GROUP = 'tenants-subscriptions';

export type SubscriptionEvent = TenantryEventOf<SubscriptionEventType>;

/**
 * What a subscription event says about its tenant. Billing publishes each one when it takes effect, so
 * the plan it names is the plan in force from then on.
 */
export function subscriptionChangeOf(event: SubscriptionEvent): SubscriptionChange {
  const { tenant_id: tenantId, revision } = event.data;
  switch (event.type) {
    case 'subscription.upgraded':
    case 'subscription.downgraded':
      return { tenantId, revision, planId: event.data.to_plan_id };
    case 'subscription.created':
      return {
        tenantId,
        revision,
        planId: event.data.plan_id,
        ...(event.data.status === 'active' ? { lifecycle: 'activated' as const } : {}),
      };
    case 'subscription.activated':
      return { tenantId, revision, planId: event.data.plan_id, lifecycle: 'activated' };
    case 'subscription.cancelled':
      return { tenantId, revision, planId: event.data.plan_id, lifecycle: 'cancelled' };
    case 'subscription.interval_changed':
      return { tenantId, revision, planId: event.data.plan_id };
  }
}

/**
 * Keeps each tenant's tier and status following billing (consumer group `tenants-subscriptions`), so
 * the tenant view, `/features` and the gateway's key resolution show the plan in force within a
 * second of the event. Redeliveries are skipped by the processed-event store, and whatever slips past
 * it (or arrives out of order from another topic) by the revision (see `Tenants.followSubscription`).
 */
export function followSubscriptions(deps: {
  bus: EventBus;
  processedEvents: ProcessedEventStore;
  tenants: Tenants;
  logger: Logger;
}): Promise<Subscription> {
  const { tenants, logger } = deps;
  return deps.bus.subscribe({
    groupId: SUBSCRIPTIONS_CONSUMER_GROUP,
    eventTypes: SUBSCRIPTION_EVENT_TYPES,
    retry: DEFAULT_RETRY_POLICY,
    processedEvents: deps.processedEvents,
    async handler(event) {
      const change = subscriptionChangeOf(event);
      const outcome = await tenants.followSubscription(change);
      const fields = { tenantId: change.tenantId, eventId: event.id, type: event.type, revision: change.revision };
      // Billing subscribes tenants from tenant.created, which is published only after the tenant was
      // written: an unknown tenant is not "not yet", it does not exist here (deleted, or another database).
      if (outcome === 'unknown_tenant') logger.warn(fields, 'subscription event for an unknown tenant ignored');
      else logger.debug({ ...fields, outcome }, 'subscription event followed');
    },
  });
}
