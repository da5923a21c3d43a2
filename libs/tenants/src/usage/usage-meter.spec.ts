import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { metricBatch, sample } from '../test-support/metric-batches';
import { tenantsCollection } from '../tenants/tenant.collection';
import { UsageMeter } from './usage-meter';
import { usageMonthId, usageMonthsCollection } from './usage.collection';

describe('UsageMeter: metric batches into per-tenant daily counters', () => {
  async function setUp(timezone: string) {
    const persistence = createInMemoryPersistence();
    const tenants = await persistence.repository(tenantsCollection);
    const usage = await persistence.repository(usageMonthsCollection);
    const tenantId = 'ten_meter';
    await tenants.insert(tenantId, { name: 'Meter', status: 'active', subscriptionTier: 'basic', timezone, metadata: {} }, { id: tenantId });
    const meter = new UsageMeter({ usage, tenants, logger: createLogger({ service: 'tenants', level: 'silent' }) });
    const daysOf = async (month: string) => (await usage.findById(tenantId, usageMonthId(tenantId, month)))?.days ?? {};
    return { meter, tenantId, daysOf };
  }

  it('when a batch comes, then its requests minus the 429s count in one go', async () => {
    const { meter, tenantId, daysOf } = await setUp('UTC');
    await meter.record(metricBatch(tenantId, new Date('2030-05-10T12:00:00Z'), [sample(7), sample(5, 2)]));
    expect(await daysOf('2030-05')).toEqual({ '10': 10 });
  });

  it("when a batch starts late in the evening UTC, then it counts on the tenant's local date", async () => {
    const { meter, tenantId, daysOf } = await setUp('Pacific/Auckland');
    await meter.record(metricBatch(tenantId, new Date('2030-05-31T20:00:00Z'), [sample(3)]));
    await meter.record(metricBatch(tenantId, new Date('2030-05-31T10:00:00Z'), [sample(4)]));
    expect(await daysOf('2030-06')).toEqual({ '01': 3 });
    expect(await daysOf('2030-05')).toEqual({ '31': 4 });
  });

  it('when the same batch is handled twice (redelivered past the processed-event store), then it counts once', async () => {
    const { meter, tenantId, daysOf } = await setUp('UTC');
    const batch = metricBatch(tenantId, new Date('2030-05-10T12:00:00Z'), [sample(6)]);
    await meter.record(batch);
    await meter.record(metricBatch(tenantId, new Date('2030-05-10T12:00:10Z'), [sample(1)]));
    await meter.record(batch);
    expect(await daysOf('2030-05')).toEqual({ '10': 7 });
  });

  it('when a batch is for a tenant that does not exist, then nothing is counted', async () => {
    const { meter, daysOf } = await setUp('UTC');
    await meter.record(metricBatch('ten_ghost', new Date('2030-05-10T12:00:00Z')));
    expect(await daysOf('2030-05')).toEqual({});
  });
});
