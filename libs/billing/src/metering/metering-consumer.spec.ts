import { ConflictError, NotFoundError } from '@tenantry/contracts';
import { InMemoryEventBus, InMemoryProcessedEventStore } from '@tenantry/event-bus';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { eventually } from '@tenantry/testing';
import { createLogger } from '@tenantry/telemetry';
import { MeteringConsumer } from './metering-consumer';
import { FakeTenantTimezones, sample, usageBatch } from './test-support/metric-batches';
import { RECENT_EVENT_IDS, usageDayId, usageDaysCollection, type UsageDayRepository } from './usage-day.collection';

const logger = createLogger({ service: 'billing', level: 'silent' });

/** The repository, counting the ConflictErrors its writes answer. */
function conflictCounting(usageDays: UsageDayRepository) {
  let conflicts = 0;
  const repository = new Proxy(usageDays, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        } catch (error) {
          if (error instanceof ConflictError) conflicts += 1;
          throw error;
        }
      };
    },
  });
  return { repository, conflicts: () => conflicts };
}
const TENANT = 'ten_meter';
const NOON = new Date('2030-05-10T12:00:00Z');

async function setUp(timezone = 'UTC') {
  const persistence = createInMemoryPersistence();
  const usageDays = await persistence.repository(usageDaysCollection);
  const timezones = new FakeTenantTimezones({ [TENANT]: timezone });
  const consumer = new MeteringConsumer({ usageDays, timezones, logger });
  const dayOf = (date: string, tenantId = TENANT) => usageDays.findById(tenantId, usageDayId(tenantId, date));
  return { usageDays, timezones, consumer, dayOf };
}

describe('MeteringConsumer: metric batches into per-tenant per-local-day counters', () => {
  it('when a batch comes, then its requests minus the 429s are the calls, and the other counters are summed', async () => {
    const { consumer, dayOf } = await setUp();
    await consumer.record(
      usageBatch(TENANT, NOON, [
        sample({ requests: 7, cacheHits: 4 }),
        sample({ requests: 5, rateLimited: 2, errors: 1, clientErrors: 1, cacheHits: 1 }),
      ]),
    );
    expect(await dayOf('2030-05-10')).toMatchObject({ date: '2030-05-10', calls: 10, rateLimited: 2, cacheHits: 5, errors: 1, clientErrors: 3 });
  });

  it('when batches of one day follow each other, then they add up in the same day document', async () => {
    const { consumer, dayOf } = await setUp();
    await consumer.record(usageBatch(TENANT, NOON, [sample({ requests: 3 })]));
    await consumer.record(usageBatch(TENANT, new Date('2030-05-10T12:00:10Z'), [sample({ requests: 4, rateLimited: 4 })]));
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 3, rateLimited: 4, clientErrors: 4, version: 2 });
  });

  it("when a batch starts at 23:30 UTC, then it counts on the next day for a tenant in Europe/Ljubljana and on the same day for one in UTC", async () => {
    const late = new Date('2030-05-10T23:30:00Z');
    const ljubljana = await setUp('Europe/Ljubljana');
    await ljubljana.consumer.record(usageBatch(TENANT, late, [sample({ requests: 3 })]));
    expect(await ljubljana.dayOf('2030-05-11')).toMatchObject({ calls: 3 });
    expect(await ljubljana.dayOf('2030-05-10')).toBeNull();

    const utc = await setUp('UTC');
    await utc.consumer.record(usageBatch(TENANT, late, [sample({ requests: 3 })]));
    expect(await utc.dayOf('2030-05-10')).toMatchObject({ calls: 3 });
  });

  it("when the batch carries the time zone the gateway's quota used, then that day counts, without asking billing's read model", async () => {
    const { consumer, dayOf } = await setUp('UTC');
    await consumer.record(usageBatch(TENANT, new Date('2030-05-10T23:30:00Z'), [sample({ requests: 2 })], { timezone: 'Europe/Ljubljana' }));
    // Even for a tenant billing has not heard of yet: the gateway authenticated it.
    await consumer.record(usageBatch('ten_not_yet_known', new Date('2030-05-10T23:30:00Z'), [sample({ requests: 5 })], { timezone: 'Asia/Tokyo' }));
    expect(await dayOf('2030-05-11')).toMatchObject({ calls: 2 });
    expect(await dayOf('2030-05-11', 'ten_not_yet_known')).toMatchObject({ calls: 5 });
  });

  it('when a batch is handled twice directly (redelivered past the processed-event store), then it counts once', async () => {
    const { consumer, dayOf } = await setUp();
    const batch = usageBatch(TENANT, NOON, [sample({ requests: 6 })]);
    await consumer.record(batch);
    await consumer.record(usageBatch(TENANT, new Date('2030-05-10T12:00:10Z'), [sample({ requests: 1 })]));
    await consumer.record(batch);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 7, version: 2 });
  });

  it('when the same event is published twice on the bus, then it counts once', async () => {
    const { consumer, dayOf } = await setUp();
    const bus = new InMemoryEventBus({ logger });
    try {
      await consumer.subscribe(bus, new InMemoryProcessedEventStore());
      const batch = usageBatch(TENANT, NOON, [sample({ requests: 9 })]);
      await bus.publish([batch]);
      await bus.publish([batch, usageBatch(TENANT, NOON, [sample({ requests: 1 })])]);
      const day = await eventually(async () => ((await dayOf('2030-05-10'))?.calls === 10 ? dayOf('2030-05-10') : false), { description: 'the day to count 10 calls' });
      expect(day).toMatchObject({ calls: 10, version: 2 });
    } finally {
      await bus.close();
    }
  });

  it('when many batches are counted, then the day remembers only the last ones it needs for redeliveries', async () => {
    const { consumer, dayOf } = await setUp();
    for (let i = 0; i < RECENT_EVENT_IDS + 20; i += 1) await consumer.record(usageBatch(TENANT, NOON, [sample({ requests: 1 })]));
    const day = await dayOf('2030-05-10');
    expect(day?.calls).toBe(RECENT_EVENT_IDS + 20);
    expect(day?.recentEventIds).toHaveLength(RECENT_EVENT_IDS);
  });

  it('when another member wrote the day since our last write, then our write conflicts, the day is read again and every batch counts', async () => {
    const { usageDays, timezones, dayOf } = await setUp();
    const ours = conflictCounting(usageDays);
    const member = new MeteringConsumer({ usageDays: ours.repository, timezones, logger });
    const rival = new MeteringConsumer({ usageDays, timezones, logger });
    await member.record(usageBatch(TENANT, NOON, [sample({ requests: 1 })]));
    await rival.record(usageBatch(TENANT, NOON, [sample({ requests: 20 })]));
    await member.record(usageBatch(TENANT, NOON, [sample({ requests: 300 })]));
    expect(ours.conflicts()).toBe(1);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 321, version: 3 });
  });

  it('when a restarted member gets a batch redelivered, then it finds the batch in the day and counts it once', async () => {
    const { usageDays, timezones, consumer, dayOf } = await setUp();
    const batch = usageBatch(TENANT, NOON, [sample({ requests: 6 })]);
    await consumer.record(batch);
    await new MeteringConsumer({ usageDays, timezones, logger }).record(batch);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 6, version: 1 });
  });

  it('when two members count batches of one tenant-day at the same time, then every call is counted exactly once', async () => {
    const { usageDays, timezones, dayOf } = await setUp();
    const members = [new MeteringConsumer({ usageDays, timezones, logger }), new MeteringConsumer({ usageDays, timezones, logger })];
    const batches = Array.from({ length: 20 }, (_, i) => usageBatch(TENANT, NOON, [sample({ requests: i + 1 })]));
    // Each member handles its partition's batches one at a time; every batch is also handed to both (a rebalance).
    await Promise.all(
      members.map(async (member) => {
        for (const batch of batches) await member.record(batch);
      }),
    );
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: (20 * 21) / 2 });
  });

  it('when the first batches of a new day race, then the day is created once and both count', async () => {
    const { usageDays, timezones, dayOf } = await setUp();
    const members = [new MeteringConsumer({ usageDays, timezones, logger }), new MeteringConsumer({ usageDays, timezones, logger })];
    await Promise.all([members[0]?.record(usageBatch(TENANT, NOON, [sample({ requests: 2 })])), members[1]?.record(usageBatch(TENANT, NOON, [sample({ requests: 5 })]))]);
    expect(await dayOf('2030-05-10')).toMatchObject({ calls: 7, version: 2 });
  });

  it('when a batch without a time zone is for a tenant billing does not know, then it throws and nothing is counted', async () => {
    const { consumer, dayOf } = await setUp();
    await expect(consumer.record(usageBatch('ten_ghost', NOON))).rejects.toThrow(NotFoundError);
    expect(await dayOf('2030-05-10', 'ten_ghost')).toBeNull();
  });

  it('when the tenant becomes known while the bus retries its batch, then the batch is counted', async () => {
    const { usageDays, timezones, dayOf } = await setUp();
    const bus = new InMemoryEventBus({ logger });
    let attempts = 0;
    const consumer = new MeteringConsumer({
      usageDays,
      timezones: {
        timezoneOf: async (tenantId) => {
          attempts += 1;
          if (attempts === 2) timezones.set('ten_late', 'Europe/Ljubljana');
          return timezones.timezoneOf(tenantId);
        },
      },
      logger,
    });
    try {
      await consumer.subscribe(bus, new InMemoryProcessedEventStore());
      await bus.publish([usageBatch('ten_late', NOON, [sample({ requests: 4 })])]);
      await eventually(async () => (await dayOf('2030-05-10', 'ten_late'))?.calls === 4, { description: 'the late tenant to be counted' });
      expect(attempts).toBe(2);
      expect(bus.deadLetters('metric.recorded')).toEqual([]);
    } finally {
      await bus.close();
    }
  });

  it('when a batch has no traffic at all, then nothing is written and the tenant is not even looked up', async () => {
    const { consumer, usageDays } = await setUp();
    await consumer.record(usageBatch('ten_unknown_but_idle', NOON, [sample({ requests: 0 })]));
    expect(await usageDays.count('ten_unknown_but_idle')).toBe(0);
  });
});
