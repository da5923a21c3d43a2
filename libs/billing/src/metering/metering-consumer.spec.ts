import { NotFoundError } from '@tenantry/contracts';
import { InMemoryEventBus } from '@tenantry/event-bus';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { eventually } from '@tenantry/testing';
import { MeteringConsumer } from './metering-consumer';
import { FakeTenantTimezones, sample, usageBatch } from './test-support/metric-batches';
import { UsageLedger } from './usage-ledger';
import { USAGE_SHARDS, usageShardsCollection, type UsageShardRepository } from './usage-shard.collection';

const logger = createLogger({ service: 'billing', level: 'silent' });
const TENANT = 'ten_meter';
const NOON = new Date('2030-05-10T12:00:00Z');

/** The repository, counting the writes it is asked for. */
function countingWrites(shards: UsageShardRepository) {
  let writes = 0;
  const repository: UsageShardRepository = {
    ...shards,
    insert: (...args) => {
      writes += 1;
      return shards.insert(...args);
    },
    update: (...args) => {
      writes += 1;
      return shards.update(...args);
    },
    findById: (...args) => shards.findById(...args),
  };
  return { repository, writes: () => writes };
}

/** Fast retries, so a test sees the dead letter within a second. */
const retry = { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 };

async function setUp(timezone = 'UTC') {
  const persistence = createInMemoryPersistence();
  const shards = countingWrites(await persistence.repository(usageShardsCollection));
  const timezones = new FakeTenantTimezones({ [TENANT]: timezone });
  const consumer = new MeteringConsumer({ usageShards: shards.repository, timezones, logger, retry });
  const ledger = new UsageLedger(shards.repository);
  const dayOf = async (date: string, tenantId = TENANT) => (await ledger.days(tenantId, date, date))[0] ?? null;
  return { shards, timezones, consumer, ledger, dayOf, persistence };
}

describe('MeteringConsumer: metric batches into per-tenant per-local-day counters', () => {
  it('when a batch comes, then its requests minus the 429s are the calls, and the other counters are summed', async () => {
    const { consumer, dayOf } = await setUp();
    await consumer.recordAll([
      usageBatch(TENANT, NOON, [
        sample({ requests: 7, cacheHits: 4 }),
        sample({ requests: 5, rateLimited: 2, errors: 1, clientErrors: 1, cacheHits: 1 }),
      ]),
    ]);
    expect(await dayOf('2030-05-10')).toEqual({ date: '2030-05-10', calls: 10, rateLimited: 2, cacheHits: 5, errors: 1, clientErrors: 3 });
  });

  it('when batches of one day follow each other, in one call or several, then they add up', async () => {
    const { consumer, dayOf } = await setUp();
    await consumer.recordAll([
      usageBatch(TENANT, NOON, [sample({ requests: 3 })]),
      usageBatch(TENANT, new Date('2030-05-10T12:00:10Z'), [sample({ requests: 4, rateLimited: 4 })]),
    ]);
    await consumer.recordAll([usageBatch(TENANT, new Date('2030-05-10T12:00:20Z'), [sample({ requests: 2 })])]);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 5, rateLimited: 4, clientErrors: 4 });
  });

  it('when a batch starts at 23:30 UTC, then it counts on the next day for a tenant in Europe/Ljubljana and on the same day for one in UTC', async () => {
    const late = new Date('2030-05-10T23:30:00Z');
    const ljubljana = await setUp('Europe/Ljubljana');
    await ljubljana.consumer.recordAll([usageBatch(TENANT, late, [sample({ requests: 3 })])]);
    expect(await ljubljana.dayOf('2030-05-11')).toMatchObject({ calls: 3 });
    expect(await ljubljana.dayOf('2030-05-10')).toBeNull();

    const utc = await setUp('UTC');
    await utc.consumer.recordAll([usageBatch(TENANT, late, [sample({ requests: 3 })])]);
    expect(await utc.dayOf('2030-05-10')).toMatchObject({ calls: 3 });
  });

  it("when the batch carries the time zone the gateway's quota used, then that day counts, without asking billing's read model", async () => {
    const { consumer, dayOf } = await setUp('UTC');
    await consumer.recordAll([
      usageBatch(TENANT, new Date('2030-05-10T23:30:00Z'), [sample({ requests: 2 })], { timezone: 'Europe/Ljubljana' }),
      // Even for a tenant billing has not heard of yet: the gateway authenticated it.
      usageBatch('ten_not_yet_known', new Date('2030-05-10T23:30:00Z'), [sample({ requests: 5 })], { timezone: 'Asia/Tokyo' }),
    ]);
    expect(await dayOf('2030-05-11')).toMatchObject({ calls: 2 });
    expect(await dayOf('2030-05-11', 'ten_not_yet_known')).toMatchObject({ calls: 5 });
  });

  it('when the same batch comes twice (in one call, in a later call, or after many others), then it counts once', async () => {
    const { consumer, dayOf } = await setUp();
    const twice = usageBatch(TENANT, NOON, [sample({ requests: 6 })]);
    await consumer.recordAll([twice, twice]);
    await consumer.recordAll([twice]);
    const others = Array.from({ length: 300 }, (_, i) =>
      usageBatch(TENANT, new Date(NOON.getTime() + (i + 1) * 10_000), [sample({ requests: 1 })]),
    );
    await consumer.recordAll(others);
    await consumer.recordAll([twice, ...others.slice(0, 50)]);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 6 + 300 });
  });

  it('when a bus batch holds many tenants, then it costs one write per shard, not one per tenant', async () => {
    const { consumer, shards, dayOf } = await setUp();
    const tenants = Array.from({ length: 200 }, (_, i) => `ten_many_${i}`);
    await consumer.recordAll(tenants.map((tenantId) => usageBatch(tenantId, NOON, [sample({ requests: 2 })], { timezone: 'UTC' })));
    expect(shards.writes()).toBeLessThanOrEqual(USAGE_SHARDS);
    for (const tenantId of tenants.slice(0, 20)) expect(await dayOf('2030-05-10', tenantId)).toMatchObject({ calls: 2 });
  });

  it('when two members write the same shards at once, then every call is counted exactly once', async () => {
    const { shards, dayOf, timezones } = await setUp();
    const first = new MeteringConsumer({ usageShards: shards.repository, timezones, logger });
    const second = new MeteringConsumer({ usageShards: shards.repository, timezones, logger });
    const batches = Array.from({ length: 40 }, (_, i) =>
      usageBatch(TENANT, new Date(NOON.getTime() + i * 10_000), [sample({ requests: i + 1 })]),
    );
    await Promise.all([
      first.recordAll(batches.filter((_, i) => i % 2 === 0)),
      second.recordAll(batches.filter((_, i) => i % 2 === 1)),
      first.recordAll(batches.slice(0, 10)), // a redelivery racing the first write
    ]);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: (40 * 41) / 2 });
  });

  it('when a batch without a time zone is of a tenant billing does not know, then the call throws and nothing of it is counted', async () => {
    const { consumer, dayOf } = await setUp();
    const known = usageBatch(TENANT, NOON, [sample({ requests: 3 })]);
    await expect(consumer.recordAll([known, usageBatch('ten_unknown', NOON, [sample({ requests: 9 })])])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await dayOf('2030-05-10')).toBeNull();
    expect(await dayOf('2030-05-10', 'ten_unknown')).toBeNull();
  });

  it('when subscribed to the bus, then published batches (one of them twice, one of an unknown tenant) are counted once each, and the unknown one is dead-lettered alone', async () => {
    const bus = new InMemoryEventBus({ logger });
    const { consumer, dayOf } = await setUp();
    const subscription = await consumer.subscribe(bus);
    const batches = Array.from({ length: 30 }, (_, i) =>
      usageBatch(TENANT, new Date(NOON.getTime() + i * 10_000), [sample({ requests: 2 })]),
    );
    await bus.publish([
      ...batches.slice(0, 10),
      usageBatch('ten_unknown', NOON, [sample({ requests: 9 })]),
      ...batches.slice(10),
      batches[3] ?? batches[0]!,
    ]);
    await eventually(async () => (await dayOf('2030-05-10'))?.calls === 60, { timeoutMs: 30_000, description: '60 calls counted' });
    const dead = await eventually(
      async () => {
        const letters = bus.deadLetters('metric.recorded');
        return letters.length > 0 ? letters : false;
      },
      { timeoutMs: 30_000 },
    );
    expect(dead.map((letter) => letter.key)).toEqual(['ten_unknown']);
    expect((await dayOf('2030-05-10'))?.calls).toBe(60);
    await subscription.stop();
    await bus.close();
  }, 60_000);
});
