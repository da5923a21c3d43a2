import { KafkaEventBus } from '@tenantry/event-bus';
import { connectMongo, createInMemoryPersistence, defineCollection, type MongoPersistence } from '@tenantry/persistence';
import { BENCH_CONSUMER, ConsumptionTracker, deliveryCheck } from '../lib/consumption';
import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { now, rate, waitUntil } from '../lib/measure';
import { formatMs, formatNumber, type Check, type Measurement, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';
// The bench (type:testing) measures billing's consumer in-process.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { usageShardsCollection, type UsageCounts, type UsageShardRepository } from '../../libs/billing/src/metering';
import { runGatewayUsage, type BenchTenant, type GatewayUsageRun } from './gateway-usage';
import { PrivateGroupsBus, RepositoryCalls, TrackedMeteringConsumer, WindowProgress } from './instrumented-metering';

/** Active tenants: every one of them sends requests in every window (the most events a window can hold). */
const TENANTS = 2_000;
/** About the gateway's max cached rate on this box (G1/G6: 6.5–9.4k req/s): the heaviest realistic load. */
const REQUEST_RATE = 10_000;
/** The gateway's METERING_FLUSH_INTERVAL default (libs/gateway/src/gateway-config.ts). */
const FLUSH_INTERVAL_MS = 5_000;
/** The first window opens the day's shard documents; the second is the steady state (updates only). */
const WINDOWS = 2;
const PRODUCE_TIMEOUT_MS = WINDOWS * FLUSH_INTERVAL_MS + 15_000;
const DRAIN_TIMEOUT_MS = 120_000;
const TIMEZONES = ['UTC', 'Europe/Ljubljana', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'America/Los_Angeles'];

/**
 * B1: can billing's metering consumer keep up with what the gateway produces? (1) The gateway's own
 * UsageMeter, fed requests of 2,000 tenants at the gateway's max request rate, publishes
 * `metric.recorded` to Kafka with the default flush interval: its events/s is the production rate.
 * (2) MeteringConsumer, wired as billing wires it (day documents in the database, no processed-event
 * store), reads that backlog from Kafka: its sustained events/s, and the same with in-memory
 * storage (what Kafka and the consumer's own code allow). (3) consumed / produced must be ≥ 1, and the
 * calls counted must equal the calls sent.
 */
export const meteringConsumerKeepsUp: Scenario = {
  id: 'B1',
  title: "Billing metering: MeteringConsumer throughput vs the gateway's metric.recorded production; produced == counted",
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const tenants = benchTenants(ctx.runId, scaled(TENANTS)).map((tenantId, i) => ({
      tenantId,
      timezone: TIMEZONES[i % TIMEZONES.length] ?? 'UTC',
    }));
    const bus = new KafkaEventBus({
      brokers: [...ctx.kafkaBrokers],
      clientId: 'tenantry-bench',
      logger: ctx.logger,
      topicPrefix: ctx.topicPrefix('b1'),
      consumer: BENCH_CONSUMER,
    });
    let persistence: MongoPersistence | undefined;
    try {
      await bus.ensureTopics(['metric.recorded']);
      persistence = await connectMongo({ uri: ctx.mongodbUri, logger: ctx.logger, appName: 'tenantry-bench' });

      // 1. Production: the gateway's meter at full load; the events wait in Kafka as the consumers' backlog.
      const produced = await runGatewayUsage(bus, ctx.logger, {
        tenants,
        requestRate: REQUEST_RATE,
        flushIntervalMs: FLUSH_INTERVAL_MS,
        windows: WINDOWS,
        timeoutMs: PRODUCE_TIMEOUT_MS,
      });
      const productionRate = rate(produced.windowEvents, produced.windowsMs);
      const production = `${formatNumber(tenants.length)} tenants, ${FLUSH_INTERVAL_MS / 1000} s flush, 1 gateway`;
      result.measurements.push({
        label: `gateway UsageMeter: ${formatNumber(tenants.length)} tenants at ${formatNumber(REQUEST_RATE)} req/s, flush every ${FLUSH_INTERVAL_MS / 1000} s → Kafka`,
        events: produced.windowEvents,
        elapsedMs: produced.windowsMs,
        eventsPerSec: productionRate,
        note:
          `flushes of ${produced.flushes
            .slice(0, WINDOWS)
            .map((flush) => formatNumber(flush.events))
            .join(' / ')} events, publish ${produced.flushes.map((flush) => formatMs(flush.publishMs)).join(' / ')}` +
          (produced.totalEvents > produced.windowEvents
            ? `; +${formatNumber(produced.totalEvents - produced.windowEvents)} events flushed at stop`
            : ''),
      });

      // 2. Consumption of that backlog, as billing wires it, then with in-memory storage.
      const usageShards = await persistence.repository(
        defineCollection({
          name: ctx.collection('billing_usage_shards'),
          schema: usageShardsCollection.schema,
          indexes: usageShardsCollection.indexes,
        }),
      );
      const database = await consumeBacklog(ctx, bus, produced, tenants, {
        key: 'db',
        label: `MeteringConsumer on Kafka + ${ctx.database}`,
        usageShards,
      });
      result.measurements.push(...database.measurements);
      result.ratios.push({
        label: 'metering consumer / gateway production (metric.recorded)',
        subject: `consumed, steady state (${ctx.database})`,
        subjectValue: database.steadyRate,
        baseline: `produced (${production})`,
        baselineValue: productionRate,
        unit: 'events/s',
        atLeast: 1,
      });
      reportCosts(result, ctx, database, produced);
      result.checks.push(
        deliveryCheck(`${ctx.database}: metric.recorded backlog`, database.tracker, produced.totalEvents, database.drained),
      );
      const counted = await countedUsage(usageShards);
      result.checks.push(exactnessCheck(`${ctx.database}`, produced, counted, database.drained));

      const memory = await consumeBacklog(ctx, bus, produced, tenants, {
        key: 'memory',
        label: 'MeteringConsumer on Kafka + in-memory storage',
        usageShards: await createInMemoryPersistence().repository(usageShardsCollection),
      });
      result.measurements.push(...memory.measurements);
      result.ratios.push(
        {
          label: 'metering consumer with in-memory storage / gateway production',
          subject: 'consumed, steady state (in-memory)',
          subjectValue: memory.steadyRate,
          baseline: `produced (${production})`,
          baselineValue: productionRate,
          unit: 'events/s',
        },
        {
          label: `metering consumer on ${ctx.database} / on in-memory storage`,
          subject: ctx.database,
          subjectValue: database.steadyRate,
          baseline: 'in-memory',
          baselineValue: memory.steadyRate,
          unit: 'events/s',
        },
      );
      result.checks.push(exactnessCheck('in-memory', produced, await countedUsage(memory.usageShards), memory.drained));
    } finally {
      await bus.close().catch(() => undefined);
      await persistence?.close().catch(() => undefined);
    }
  },
};

interface ConsumerVariant {
  key: string;
  label: string;
  usageShards: UsageShardRepository;
}

interface BacklogRun {
  measurements: Measurement[];
  steadyRate: number;
  drained: boolean;
  tracker: ConsumptionTracker;
  calls: RepositoryCalls;
  usageShards: UsageShardRepository;
}

/** A new group of MeteringConsumer reads the whole backlog; rates per window (opening the days, then the steady state). */
async function consumeBacklog(
  ctx: BenchContext,
  bus: KafkaEventBus,
  produced: GatewayUsageRun,
  tenants: readonly BenchTenant[],
  variant: ConsumerVariant,
): Promise<BacklogRun> {
  const calls = new RepositoryCalls();
  const tracker = new ConsumptionTracker();
  const progress = new WindowProgress(produced.flushes);
  // The gateway stamps each batch with the tenant's time zone; the read model answers only batches without one.
  const zones = new Map(tenants.map(({ tenantId, timezone }) => [tenantId, timezone]));
  const consumer = new TrackedMeteringConsumer(
    {
      usageShards: calls.wrap(variant.usageShards),
      timezones: { timezoneOf: async (tenantId) => zones.get(tenantId) ?? null },
      logger: ctx.logger,
    },
    tracker,
    progress,
  );
  const subscribedAt = now();
  const subscription = await consumer.subscribe(new PrivateGroupsBus(bus, (group) => ctx.groupId(`b1-${variant.key}-${group}`)));
  const drained = await waitUntil(() => tracker.handled >= produced.totalEvents, DRAIN_TIMEOUT_MS, 20);
  await subscription.stop({ timeoutMs: 5_000 });

  const [opening, ...later] = progress.windows;
  const steady = {
    handled: later.reduce((sum, w) => sum + w.handled, 0),
    firstAt: Math.min(...later.map((w) => w.firstAt || Infinity)),
    lastAt: Math.max(0, ...later.map((w) => w.lastAt)),
  };
  const steadyRate = rate(Math.max(0, steady.handled - 1), steady.lastAt - steady.firstAt);
  const wholeMs = tracker.lastHandledAt - consumer.firstHandledAt;
  const measurements: Measurement[] = [
    {
      label: `${variant.label}: the whole backlog, first → last event handled`,
      events: tracker.handled,
      elapsedMs: wholeMs,
      eventsPerSec: rate(Math.max(0, tracker.handled - 1), wholeMs),
      latency: { ...consumer.recordLatency.summary(), of: 'recordAll() (one bus batch)' },
      note: drained
        ? `group join + first fetch ${formatMs(consumer.firstHandledAt - subscribedAt)} before`
        : `NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s`,
    },
  ];
  if (opening) {
    const ms = opening.lastAt - opening.firstAt;
    measurements.push({
      label: `${variant.label}: window 1 (opens the day: its shards are inserted)`,
      events: opening.handled,
      elapsedMs: ms,
      eventsPerSec: rate(Math.max(0, opening.handled - 1), ms),
    });
  }
  measurements.push({
    label: `${variant.label}: later windows (steady state: shard updates)`,
    events: steady.handled,
    elapsedMs: steady.lastAt - steady.firstAt,
    eventsPerSec: steadyRate,
    note: "partitions overlap windows a little: rate of the later windows' events, first → last handled",
  });
  return { measurements, steadyRate, drained, tracker, calls, usageShards: variant.usageShards };
}

function reportCosts(result: ScenarioResult, ctx: BenchContext, run: BacklogRun, produced: GatewayUsageRun): void {
  const handled = Math.max(1, run.tracker.handled);
  const method = (name: string) => {
    const histogram = run.calls.histogram(name);
    return `${name} ×${formatNumber(histogram.count / handled, 2)} (p50 ${formatMs(histogram.percentileMs(50))}, p99 ${formatMs(histogram.percentileMs(99))})`;
  };
  result.facts.push(
    {
      label: `${ctx.database}: repository calls per event handled`,
      value: `${method('insert')}, ${method('update')}, ${method('findById')}; ${formatNumber(run.calls.conflicts)} conflicts`,
    },
    {
      label: 'traffic behind the events',
      value:
        `${formatNumber(produced.traffic.requests)} requests (${formatNumber(produced.traffic.calls)} calls, ${formatNumber(produced.traffic.rateLimited)} 429s, ` +
        `${formatNumber(produced.traffic.cacheHits)} cache hits, ${formatNumber(produced.traffic.errors)} 5xx, ${formatNumber(produced.traffic.clientErrors)} 4xx) in ${formatNumber(produced.totalEvents)} events; ` +
        `the meter recorded ${formatNumber(produced.meterStats.recorded)} and published ${formatNumber(produced.meterStats.published)}`,
    },
  );
}

async function countedUsage(usageShards: UsageShardRepository): Promise<UsageCounts & { days: number }> {
  const total = { calls: 0, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0, days: 0 };
  let cursor: string | undefined;
  do {
    const page = await usageShards.admin.listAcrossTenants({ limit: 1_000, ...(cursor ? { cursor } : {}) });
    for (const shard of page.items) {
      for (const day of shard.tenants) {
        total.calls += day.calls;
        total.rateLimited += day.rateLimited;
        total.cacheHits += day.cacheHits;
        total.errors += day.errors;
        total.clientErrors += day.clientErrors;
        total.days += 1;
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return total;
}

function exactnessCheck(label: string, produced: GatewayUsageRun, counted: UsageCounts & { days: number }, drained: boolean): Check {
  const sent = produced.traffic;
  const same = (['calls', 'rateLimited', 'cacheHits', 'errors', 'clientErrors'] as const).every((key) => sent[key] === counted[key]);
  const published = produced.meterStats.published === sent.requests && produced.meterStats.pendingEvents === 0;
  return {
    label: `${label}: produced calls == counted calls (and every other counter)`,
    ok: drained && same && published,
    ...(!drained && counted.calls < sent.calls ? { unverified: true } : {}),
    detail:
      `counted ${formatNumber(counted.calls)} calls for ${formatNumber(sent.calls)} sent; 429s ${formatNumber(counted.rateLimited)}/${formatNumber(sent.rateLimited)}, ` +
      `cache hits ${formatNumber(counted.cacheHits)}/${formatNumber(sent.cacheHits)}, 5xx ${formatNumber(counted.errors)}/${formatNumber(sent.errors)}, ` +
      `4xx ${formatNumber(counted.clientErrors)}/${formatNumber(sent.clientErrors)}, in ${formatNumber(counted.days)} tenant days`,
  };
}
