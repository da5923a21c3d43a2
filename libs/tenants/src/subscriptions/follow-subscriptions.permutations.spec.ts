import { createEvent, type SubscriptionEventType, type EventDataInput } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { deliverInEveryOrder, type ConsumerUnderTest } from '@tenantry/testing';
import { apiKeysCollection } from '../api-keys/api-key.collection';
import { ApiKeys } from '../api-keys/api-keys';
import { tenantsCollection } from '../tenants/tenant.collection';
import { Tenants } from '../tenants/tenants';
import { subscriptionChangeOf, type SubscriptionEvent } from './follow-subscriptions';

/**
 * The tenants service's subscription follower against every order the six subscription topics allow,
 * with redeliveries: the tenant ends on the plan of billing's newest event and at the lifecycle step
 * its subscription reached, whatever the order.
 */

const at = '2025-03-01T10:00:00.000Z';
const period = { start: at, end: '2025-04-01T10:00:00.000Z' };

function subscriptionEvent<T extends SubscriptionEventType>(
  tenantId: string,
  type: T,
  data: Omit<EventDataInput<T>, 'tenant_id' | 'subscription_id' | 'effective_at'>,
): SubscriptionEvent {
  return createEvent(type, {
    tenantId,
    source: '/tenantry/billing',
    data: { tenant_id: tenantId, subscription_id: 'sub_1', effective_at: at, ...data } as EventDataInput<T>,
  }) as SubscriptionEvent;
}

function follower(history: (tenantId: string) => SubscriptionEvent[]): { consumer: ConsumerUnderTest<number, unknown>; events: number[] } {
  const consumer: ConsumerUnderTest<number, unknown> = {
    async start() {
      const persistence = createInMemoryPersistence();
      const clock = () => new Date(at);
      const outbox = { notify: () => undefined };
      const [tenantRepository, keys] = await Promise.all([
        persistence.repository(tenantsCollection),
        persistence.repository(apiKeysCollection),
      ]);
      const apiKeys = new ApiKeys({ keys, tenants: tenantRepository, outbox, clock });
      const tenants = new Tenants({ tenants: tenantRepository, apiKeys, outbox, defaultTier: 'basic', clock });
      const { tenant, api_key: apiKey } = await tenants.create({ name: 'Acme', subscription_tier: 'basic' });
      const events = history(tenant.id);
      return {
        deliver: async (i) => void (await tenants.followSubscription(subscriptionChangeOf(events[i] as SubscriptionEvent))),
        async state() {
          const view = await tenants.get(tenant.id);
          const key = await keys.findById(tenant.id, apiKey.id);
          return {
            status: view.status,
            tier: view.subscription_tier,
            statusReason: view.status_reason,
            keyRevoked: key?.revokedAt !== undefined,
          };
        },
        close: () => persistence.close(),
      };
    },
  };
  return { consumer, events: history('x').map((_, i) => i) };
}

describe('tenants follow subscription events in any order', () => {
  it('when a trial is upgraded, activated, downgraded and cancelled, then every order ends cancelled, keys revoked, on the last plan', async () => {
    const { consumer, events } = follower((tenantId) => [
      subscriptionEvent(tenantId, 'subscription.created', {
        revision: 1,
        plan_id: 'basic',
        interval: 'monthly',
        status: 'trialing',
        period,
      }),
      subscriptionEvent(tenantId, 'subscription.upgraded', {
        revision: 2,
        from_plan_id: 'basic',
        to_plan_id: 'pro',
        from_interval: 'monthly',
        interval: 'monthly',
        period,
      }),
      subscriptionEvent(tenantId, 'subscription.activated', { revision: 3, plan_id: 'pro', interval: 'monthly', period }),
      subscriptionEvent(tenantId, 'subscription.downgraded', {
        revision: 4,
        from_plan_id: 'pro',
        to_plan_id: 'basic',
        from_interval: 'monthly',
        interval: 'monthly',
        period,
        timing: 'period_end',
      }),
      subscriptionEvent(tenantId, 'subscription.cancelled', {
        revision: 5,
        plan_id: 'basic',
        interval: 'monthly',
        timing: 'immediate',
        period,
        credit_cents: 0,
      }),
    ]);
    const report = await deliverInEveryOrder(consumer, events, { duplicates: 2 });
    expect(report.orders).toBe(120);
    expect(report.state).toEqual({ status: 'cancelled', tier: 'basic', statusReason: 'subscription cancelled', keyRevoked: true });
  });

  it('when a trial is activated and upgraded, then every order ends active on the upgraded plan', async () => {
    const { consumer, events } = follower((tenantId) => [
      subscriptionEvent(tenantId, 'subscription.created', {
        revision: 1,
        plan_id: 'basic',
        interval: 'monthly',
        status: 'trialing',
        period,
      }),
      subscriptionEvent(tenantId, 'subscription.activated', { revision: 2, plan_id: 'basic', interval: 'monthly', period }),
      subscriptionEvent(tenantId, 'subscription.upgraded', {
        revision: 3,
        from_plan_id: 'basic',
        to_plan_id: 'enterprise',
        from_interval: 'monthly',
        interval: 'monthly',
        period,
      }),
      subscriptionEvent(tenantId, 'subscription.interval_changed', {
        revision: 4,
        plan_id: 'enterprise',
        from_interval: 'monthly',
        interval: 'annual',
        timing: 'immediate',
        period,
      }),
    ]);
    const report = await deliverInEveryOrder(consumer, events, { duplicates: 2, seed: 5 });
    expect(report.orders).toBe(24);
    expect(report.state).toEqual({ status: 'active', tier: 'enterprise', statusReason: 'subscription activated', keyRevoked: false });
  });
});
