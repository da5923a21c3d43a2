import { createEvent, type TenantryEventOf } from '@tenantry/contracts';
import { deliverInEveryOrder, type ConsumerUnderTest } from '@tenantry/testing';
import { tenantFactsOf } from '../subscriptions/tenant-facts';
import { inMemoryBilling } from '../test-support/in-memory-billing';
import { sample, usageBatch } from './test-support/metric-batches';

/**
 * Metering against every order of a tenant's usage batches and the tenant.created that tells billing
 * its time zone (another topic: it may come last), with redeliveries: each batch is counted once, on
 * the tenant's local day. A batch without a time zone that comes before billing knows the tenant is
 * retried by the bus until it does (the helper retries it after the others).
 */

const TENANT = 'ten_meteringorder01';
const T0 = new Date('2030-05-10T08:00:00Z');

type Delivered = TenantryEventOf<'tenant.created'> | TenantryEventOf<'metric.recorded'>;

const meteringWithItsTenants: ConsumerUnderTest<Delivered, unknown> = {
  async start() {
    const billing = await inMemoryBilling(T0);
    return {
      deliver: (event) =>
        event.type === 'tenant.created' ? billing.subscriptions.followTenant(tenantFactsOf(event)) : billing.metering.recordAll([event]),
      state: () => billing.ledger.days(TENANT, '2030-05-09', '2030-05-12'),
      close: billing.close,
    };
  },
};

describe('metering in any order', () => {
  it('when batches (stamped or not) and tenant.created arrive in any order and twice, then each batch is counted once on its local day', async () => {
    const history: Delivered[] = [
      createEvent('tenant.created', {
        tenantId: TENANT,
        source: '/tenantry/tenants',
        data: {
          tenant_id: TENANT,
          name: 'Acme',
          subscription_tier: 'basic',
          status: 'trial',
          timezone: 'Asia/Tokyo',
          created_at: T0.toISOString(),
          revision: 1,
        },
      }),
      usageBatch(TENANT, new Date('2030-05-10T12:00:00Z'), [sample({ requests: 3 })]),
      usageBatch(TENANT, new Date('2030-05-10T16:00:00Z'), [sample({ requests: 5, rateLimited: 1 })]),
      usageBatch(TENANT, new Date('2030-05-10T20:00:00Z'), [sample({ requests: 7 })], { timezone: 'Asia/Tokyo' }),
    ];
    const report = await deliverInEveryOrder(meteringWithItsTenants, history, { duplicates: 3 });
    expect(report.orders).toBe(24);
    expect(report.state).toEqual([
      { date: '2030-05-10', calls: 3, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0 },
      { date: '2030-05-11', calls: 11, rateLimited: 1, cacheHits: 0, errors: 0, clientErrors: 1 },
    ]);
  });
});
