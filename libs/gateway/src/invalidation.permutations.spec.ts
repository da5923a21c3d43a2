import { createEvent, type EventDataInput, type SubscriptionEventType, type TenantryEventOf } from '@tenantry/contracts';
import { createLogger } from '@tenantry/telemetry';
import { deliverInEveryOrder, type ConsumerUnderTest } from '@tenantry/testing';
import { PlansInForce } from './auth/plans-in-force';
import { invalidationHandler, type INVALIDATING_EVENTS } from './invalidation';

/**
 * The gateway's cache invalidation against every order its nine topics allow, with redeliveries: the
 * plan in force is the one of billing's newest subscription event, and every revoked key and every
 * tenant an event named is forgotten and purged, whatever the order.
 */

type Invalidating = TenantryEventOf<(typeof INVALIDATING_EVENTS)[number]>;

const TENANT = 'ten_gatewayorder001';
const at = '2025-03-01T10:00:00.000Z';
const period = { start: at, end: '2025-04-01T10:00:00.000Z' };
const logger = createLogger({ service: 'gateway', level: 'silent' });

function subscriptionEvent<T extends SubscriptionEventType>(
  type: T,
  data: Omit<EventDataInput<T>, 'tenant_id' | 'subscription_id' | 'effective_at'>,
): Invalidating {
  return createEvent(type, {
    tenantId: TENANT,
    source: '/tenantry/billing',
    data: { tenant_id: TENANT, subscription_id: 'sub_1', effective_at: at, ...data } as EventDataInput<T>,
  }) as Invalidating;
}

const gatewayCaches: ConsumerUnderTest<Invalidating, unknown> = {
  async start() {
    const forgottenKeys = new Set<string>();
    const forgottenTenants = new Set<string>();
    const purged = new Set<string>();
    const plans = new PlansInForce();
    const handle = invalidationHandler({
      keys: { forgetKey: (keyId) => void forgottenKeys.add(keyId), forgetTenant: (tenantId) => void forgottenTenants.add(tenantId) },
      plans,
      responseCache: { purgeTenant: async (tenantId) => void purged.add(tenantId) },
      logger,
    });
    return {
      deliver: handle,
      state: async () => ({
        // What the next request sees when the key resolution still says the trial's plan.
        planInForce: plans.inForce(TENANT, { planId: 'basic', revision: 0 }),
        forgottenKeys: [...forgottenKeys].sort(),
        forgottenTenants: [...forgottenTenants],
        purged: [...purged],
      }),
    };
  },
};

describe('gateway cache invalidation in any order', () => {
  it('when plan changes, a status change and key revocations arrive in any order and twice, then the newest plan is in force and everything named is forgotten', async () => {
    const history: Invalidating[] = [
      subscriptionEvent('subscription.created', { revision: 1, plan_id: 'basic', interval: 'monthly', status: 'trialing', period }),
      subscriptionEvent('subscription.upgraded', {
        revision: 2,
        from_plan_id: 'basic',
        to_plan_id: 'enterprise',
        from_interval: 'monthly',
        interval: 'monthly',
        period,
      }),
      subscriptionEvent('subscription.downgraded', {
        revision: 3,
        from_plan_id: 'enterprise',
        to_plan_id: 'pro',
        from_interval: 'monthly',
        interval: 'monthly',
        period,
        timing: 'period_end',
      }),
      createEvent('tenant.status_changed', {
        tenantId: TENANT,
        source: '/tenantry/tenants',
        data: { tenant_id: TENANT, from: 'trial', to: 'active', changed_by: 'system', changed_at: at, revision: 2 },
      }),
      createEvent('tenant.api_key_revoked', {
        tenantId: TENANT,
        source: '/tenantry/tenants',
        data: { tenant_id: TENANT, key_id: 'key_a', reason: 'rotated', revoked_at: at },
      }),
      createEvent('tenant.api_key_revoked', {
        tenantId: TENANT,
        source: '/tenantry/tenants',
        data: { tenant_id: TENANT, key_id: 'key_b', reason: 'revoked', revoked_at: at },
      }),
    ];
    const report = await deliverInEveryOrder(gatewayCaches, history, { duplicates: 3, maxOrders: 720 });
    expect(report.orders).toBe(720);
    expect(report.state).toEqual({
      planInForce: { planId: 'pro', revision: 3 },
      forgottenKeys: ['key_a', 'key_b'],
      forgottenTenants: [TENANT],
      purged: [TENANT],
    });
  });
});
