import { createEvent, type EventType, type TenantryEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { TenantProfileStore } from './follow-tenants';
import { tenantProfilesCollection } from './tenant-profile.collection';

function event<T extends EventType>(type: T, data: object, time: string): TenantryEvent {
  return createEvent(type, {
    tenantId: 't-1',
    source: '/tenantry/test',
    data: { ...EXAMPLE_EVENT_DATA[type], ...data } as never,
    time: new Date(time),
  }) as TenantryEvent;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const EVENTS = [
  event('tenant.created', { subscription_tier: 'basic', timezone: 'Europe/Ljubljana' }, '2026-11-01T10:00:00Z'),
  event('subscription.created', { revision: 1, plan_id: 'basic' }, '2026-11-01T10:00:01Z'),
  event('subscription.upgraded', { revision: 2, from_plan_id: 'basic', to_plan_id: 'enterprise' }, '2026-11-02T10:00:00Z'),
  event('tenant.updated', { changes: { timezone: 'America/New_York' } }, '2026-11-03T10:00:00Z'),
  event('subscription.interval_changed', { revision: 3, plan_id: 'enterprise' }, '2026-11-04T10:00:00Z'),
];

describe('tenant profiles from tenant.* and subscription.* events', () => {
  it.each(permutations(EVENTS).map((order, i) => [i, order] as const))(
    'when the events arrive in order #%i (twice each), then the profile is the same: enterprise in New York',
    async (_i, order) => {
      const persistence = createInMemoryPersistence();
      const store = new TenantProfileStore(await persistence.repository(tenantProfilesCollection));
      for (const delivered of [...order, ...order]) await store.apply(delivered);
      expect(await store.profileOf('t-1')).toEqual({ plan_id: 'enterprise', timezone: 'America/New_York' });
      const withSla = [];
      for await (const tenant of store.withSla()) withSla.push(tenant);
      expect(withSla).toEqual([{ tenant_id: 't-1', plan_id: 'enterprise', timezone: 'America/New_York' }]);
    },
  );

  it('when the subscription is cancelled, then the tenant has no SLA any more, whatever came before', async () => {
    const persistence = createInMemoryPersistence();
    const store = new TenantProfileStore(await persistence.repository(tenantProfilesCollection));
    await store.apply(event('subscription.cancelled', { revision: 9, plan_id: 'pro' }, '2026-11-05T00:00:00Z'));
    for (const delivered of EVENTS) await store.apply(delivered);
    expect(await store.profileOf('t-1')).toEqual({ plan_id: null, timezone: 'America/New_York' });
  });

  it('when two tenants are created, then each has its own profile', async () => {
    const persistence = createInMemoryPersistence();
    const store = new TenantProfileStore(await persistence.repository(tenantProfilesCollection));
    for (const [tenantId, tier] of [
      ['t-1', 'pro'],
      ['t-2', 'enterprise'],
    ] as const) {
      await store.apply(
        createEvent('tenant.created', {
          tenantId,
          source: '/tenantry/test',
          data: { ...EXAMPLE_EVENT_DATA['tenant.created'], tenant_id: tenantId, subscription_tier: tier },
        }),
      );
    }
    expect(await store.profileOf('t-1')).toEqual({ plan_id: 'pro', timezone: 'Europe/Ljubljana' });
    expect(await store.profileOf('t-2')).toEqual({ plan_id: 'enterprise', timezone: 'Europe/Ljubljana' });
  });
});
