import { ValidationFailedError } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { MeteringConsumer } from './metering-consumer';
import { FakeTenantTimezones, sample, usageBatch } from './test-support/metric-batches';
import { UsageLedger } from './usage-ledger';
import { shardOf, usageShardsCollection } from './usage-shard.collection';

const logger = createLogger({ service: 'billing', level: 'silent' });

/** A tenant id that lands in the same shard as `ten_a`: the ledger must keep them apart. */
const NEIGHBOUR = Array.from({ length: 1_000 }, (_, i) => `ten_n${i}`).find((id) => shardOf(id) === shardOf('ten_a')) ?? 'ten_b';

async function setUp() {
  const usageShards = await createInMemoryPersistence().repository(usageShardsCollection);
  const consumer = new MeteringConsumer({
    usageShards,
    timezones: new FakeTenantTimezones({ ten_a: 'UTC', ten_b: 'UTC', [NEIGHBOUR]: 'UTC' }),
    logger,
  });
  const meter = (tenantId: string, at: string, counts: Parameters<typeof sample>[0]) =>
    consumer.recordAll([usageBatch(tenantId, new Date(at), [sample(counts)])]);
  return { ledger: new UsageLedger(usageShards), meter };
}

describe('UsageLedger: metered days of a tenant', () => {
  it('when days have usage, then a range returns those inside it, ascending, with every counter', async () => {
    const { ledger, meter } = await setUp();
    // Written out of date order: a late batch can open an earlier day.
    await meter('ten_a', '2030-05-12T08:00:00Z', { requests: 3 });
    await meter('ten_a', '2030-05-10T08:00:00Z', { requests: 5, rateLimited: 1, cacheHits: 2, errors: 1 });
    await meter('ten_a', '2030-05-09T08:00:00Z', { requests: 100 });
    await meter('ten_a', '2030-05-13T08:00:00Z', { requests: 100 });

    expect(await ledger.days('ten_a', '2030-05-10', '2030-05-12')).toEqual([
      { date: '2030-05-10', calls: 4, rateLimited: 1, cacheHits: 2, errors: 1, clientErrors: 1 },
      { date: '2030-05-12', calls: 3, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0 },
    ]);
  });

  it('when one day is asked for, then it is returned alone, or nothing when it had no usage', async () => {
    const { ledger, meter } = await setUp();
    await meter('ten_a', '2030-05-10T08:00:00Z', { requests: 5 });
    expect(await ledger.days('ten_a', '2030-05-10', '2030-05-10')).toEqual([expect.objectContaining({ date: '2030-05-10', calls: 5 })]);
    expect(await ledger.days('ten_a', '2030-05-11', '2030-05-11')).toEqual([]);
  });

  it("when another tenant has usage, even one counted in the same shard document, then it never shows in a tenant's days", async () => {
    const { ledger, meter } = await setUp();
    expect(NEIGHBOUR).not.toBe('ten_b');
    await meter('ten_b', '2030-05-10T08:00:00Z', { requests: 5 });
    await meter(NEIGHBOUR, '2030-05-10T08:00:00Z', { requests: 7 });
    expect(await ledger.days('ten_a', '2030-05-01', '2030-05-31')).toEqual([]);
    expect(await ledger.days('ten_a', '2030-05-10', '2030-05-10')).toEqual([]);
    await meter('ten_a', '2030-05-10T09:00:00Z', { requests: 1 });
    expect(await ledger.days('ten_a', '2030-05-10', '2030-05-10')).toEqual([expect.objectContaining({ calls: 1 })]);
    expect(await ledger.days(NEIGHBOUR, '2030-05-10', '2030-05-10')).toEqual([expect.objectContaining({ calls: 7 })]);
  });

  it('when the range spans 366 days, then it is read; one more day is refused', async () => {
    const { ledger, meter } = await setUp();
    await meter('ten_a', '2028-12-31T08:00:00Z', { requests: 1 });
    expect(await ledger.days('ten_a', '2028-01-01', '2028-12-31')).toHaveLength(1);
    await expect(ledger.days('ten_a', '2028-01-01', '2029-01-01')).rejects.toMatchObject({
      constructor: ValidationFailedError,
      issues: [{ field: 'to', message: 'At most 366 days from from' }],
    });
  });

  it.each([
    ['from after to', '2030-05-11', '2030-05-10', ['to']],
    ['a date that does not exist', '2030-02-30', '2030-03-01', ['from']],
    ['not a date', 'yesterday', '05/10/2030', ['from', 'to']],
  ])('when the range is %s, then it is a ValidationFailedError naming the field', async (_case, from, to, fields) => {
    const { ledger } = await setUp();
    const failure = await ledger.days('ten_a', from, to).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationFailedError);
    expect((failure as ValidationFailedError).issues.map((issue) => issue.field)).toEqual(fields);
  });
});
