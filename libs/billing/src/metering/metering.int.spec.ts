import type { EventBus } from '@tenantry/event-bus';
import { KafkaEventBus } from '@tenantry/event-bus';
import { connectMongo, type MongoPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { MeteringConsumer } from './metering-consumer';
import { FakeTenantTimezones, sample, usageBatch } from './test-support/metric-batches';
import { UsageLedger } from './usage-ledger';
import { usageShardsCollection } from './usage-shard.collection';

jest.setTimeout(90_000);

const logger = createLogger({ service: 'billing', level: 'silent' });

/**
 * The bus with this run's own consumer groups. Topics get a unique prefix, but a Kafka group spans
 * topics: sharing `billing-metering` with another process on the broker would hand our partitions to it.
 */
function withPrivateGroups(bus: EventBus, suffix: string): EventBus {
  return {
    publish: (events) => bus.publish(events),
    subscribe: (options) => bus.subscribe({ ...options, groupId: `${options.groupId}-${suffix}` }),
    ensureTopics: (types) => bus.ensureTopics(types),
    health: () => bus.health(),
    close: () => bus.close(),
  };
}

describeWithInfra('billing metering on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  let bus: KafkaEventBus;
  let persistence: MongoPersistence;

  beforeAll(async () => {
    const run = uniqueName('metering');
    bus = new KafkaEventBus({
      brokers: infra.kafkaBrokers,
      clientId: 'billing-metering-tests',
      logger,
      topicPrefix: `${run}.`,
      consumer: { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, maxWaitTimeMs: 200 },
    });
    persistence = await connectMongo({ uri: infra.mongodbUri, logger, appName: 'billing-metering-tests' });
  });
  afterAll(async () => {
    await Promise.allSettled([bus?.close(), persistence?.close()]);
  });

  it('when batches of several tenants arrive, some of them twice, then the ledger counts every call exactly once on its local day', async () => {
    const run = uniqueName('ten');
    const zones = {
      [`${run}-lj`]: 'Europe/Ljubljana',
      [`${run}-ny`]: 'America/New_York',
      [`${run}-utc`]: 'UTC',
      [`${run}-akl`]: 'Pacific/Auckland',
    };
    const tenants = Object.keys(zones);
    const usageShards = await persistence.repository(usageShardsCollection);
    const consumer = new MeteringConsumer({ usageShards, timezones: new FakeTenantTimezones(zones), logger });
    await bus.ensureTopics(['metric.recorded']);
    const subscription = await consumer.subscribe(withPrivateGroups(bus, run));

    try {
      // Windows around midnight UTC, so the tenants' local dates differ; each batch is 10, 20, 30 or 40 calls
      // (by tenant) plus three 429s.
      const batchesAt = (start: string) =>
        tenants.map((tenantId, t) =>
          usageBatch(tenantId, new Date(start), [sample({ requests: 10 * (t + 1) + 3, rateLimited: 3, cacheHits: 1 })]),
        );
      const batches = ['2030-05-10T21:00:00Z', '2030-05-10T23:30:00Z', '2030-05-11T00:30:00Z'].flatMap(batchesAt);
      const last = batchesAt('2030-05-11T11:00:00Z');
      const sent = [...batches, ...last].reduce(
        (sum, batch) => sum + batch.data.samples.reduce((calls, one) => calls + one.request_count - one.rate_limited_count, 0),
        0,
      );

      await bus.publish(batches);
      // The gateway re-sends batches whose acknowledgement it missed: same event ids, on the same partitions.
      await bus.publish(batches.filter((_, i) => i % 3 === 0));
      // One is handled again outside the bus (a member that died before acknowledging it), racing the
      // consumer for the same shard document.
      const replayed = batches[1];
      if (!replayed) throw new Error('no batch to replay');
      await consumer.recordAll([replayed]);
      // Each tenant's last batch comes after its duplicates on its partition: once it is counted, so are they.
      await bus.publish(last);

      const ledger = new UsageLedger(usageShards);
      const counted = async () => {
        const days = await Promise.all(tenants.map((tenantId) => ledger.days(tenantId, '2030-05-09', '2030-05-12')));
        return days.flat().reduce((sum, day) => sum + day.calls, 0);
      };
      const total = await eventually(async () => ((await counted()) >= sent ? counted() : false), {
        timeoutMs: 60_000,
        description: `${sent} calls to be counted`,
      });
      expect(total).toBe(sent);

      // Ljubljana is UTC+2 in May: 23:30 UTC is already the 11th there; New York (UTC−4) is still on the 10th at 00:30 UTC.
      expect((await ledger.days(`${run}-lj`, '2030-05-09', '2030-05-12')).map((day) => [day.date, day.calls])).toEqual([
        ['2030-05-10', 10],
        ['2030-05-11', 30],
      ]);
      expect((await ledger.days(`${run}-ny`, '2030-05-09', '2030-05-12')).map((day) => [day.date, day.calls])).toEqual([
        ['2030-05-10', 60],
        ['2030-05-11', 20],
      ]);
    } finally {
      await subscription.stop({ timeoutMs: 5_000 });
    }
  });
});
