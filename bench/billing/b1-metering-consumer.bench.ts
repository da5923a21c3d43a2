import { randomUUID } from 'node:crypto';
import { KafkaEventBus } from '@tenantry/event-bus';
import { connectMongo, createInMemoryPersistence, defineCollection, type MongoPersistence } from '@tenantry/persistence';
import { BENCH_CONSUMER, ConsumptionTracker, deliveryCheck } from '../lib/consumption';
import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { LatencyHistogram, now, rate, runBounded, waitUntil } from '../lib/measure';
import { formatMs, formatNumber, type Check, type Measurement, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';
// The bench (type:testing) measures billing's consumer in-process.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { RECENT_EVENT_IDS, usageDayId, usageDaysCollection, type UsageCounts, type UsageDayRepository } from '../../libs/billing/src/metering';
import { runGatewayUsage, type BenchTenant, type GatewayUsageRun } from './gateway-usage';
import { PrivateGroupsBus, RepositoryCalls, TrackedMeteringConsumer, WindowProgress } from './instrumented-metering';

/** Active tenants: every one of them sends requests in every window (the most events a window can hold). */
const TENANTS = 2_000;
/** About the gateway's max cached rate on this box (G1/G6: 6.5–9.4k req/s): the heaviest realistic load. */
const REQUEST_RATE = 10_000;
/** The gateway's METERING_FLUSH_INTERVAL default (libs/gateway/src/gateway-config.ts). */
const FLUSH_INTERVAL_MS = 5_000;
/** The first window opens each tenant's day (an insert each); the second is the steady state (an update each). */
const WINDOWS = 2;
const PRODUCE_TIMEOUT_MS = WINDOWS * FLUSH_INTERVAL_MS + 15_000;
const DRAIN_TIMEOUT_MS = 120_000;
const TIMEZONES = ['UTC', 'Europe/Ljubljana', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'America/Los_Angeles'];
/** Past days added for the probe of how a day's update slows down as the collection grows. */
const PROBE_PAST_DAYS = 2;
const PROBE_UPDATES = 20;

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
    const tenants = benchTenants(ctx.runId, scaled(TENANTS)).map((tenantId, i) => ({ tenantId, timezone: TIMEZONES[i % TIMEZONES.length] ?? 'UTC' }));
    const bus = new KafkaEventBus({ brokers: [...ctx.kafkaBrokers], clientId: 'tenantry-bench', logger: ctx.logger, topicPrefix: ctx.topicPrefix('b1'), consumer: BENCH_CONSUMER });
    let persistence: MongoPersistence | undefined;
    try {
      await bus.ensureTopics(['metric.recorded']);
      persistence = await connectMongo({ uri: ctx.mongodbUri, logger: ctx.logger, appName: 'tenantry-bench' });

      // 1. Production: the gateway's meter at full load; the events wait in Kafka as the consumers' backlog.
      const produced = await runGatewayUsage(bus, ctx.logger, { tenants, requestRate: REQUEST_RATE, flushIntervalMs: FLUSH_INTERVAL_MS, windows: WINDOWS, timeoutMs: PRODUCE_TIMEOUT_MS });
      const productionRate = rate(produced.windowEvents, produced.windowsMs);
      const production = `${formatNumber(tenants.length)} tenants, ${FLUSH_INTERVAL_MS / 1000} s flush, 1 gateway`;
      result.measurements.push({
        label: `gateway UsageMeter: ${formatNumber(tenants.length)} tenants at ${formatNumber(REQUEST_RATE)} req/s, flush every ${FLUSH_INTERVAL_MS / 1000} s → Kafka`,
        events: produced.windowEvents,
        elapsedMs: produced.windowsMs,
        eventsPerSec: productionRate,
        note:
          `flushes of ${produced.flushes.slice(0, WINDOWS).map((flush) => formatNumber(flush.events)).join(' / ')} events, publish ${produced.flushes.map((flush) => formatMs(flush.publishMs)).join(' / ')}` +
          (produced.totalEvents > produced.windowEvents ? `; +${formatNumber(produced.totalEvents - produced.windowEvents)} events flushed at stop` : ''),
      });

      // 2. Consumption of that backlog, as billing wires it, then with in-memory storage.
      const usageDays = await persistence.repository(defineCollection({ name: ctx.collection('billing_usage_days'), schema: usageDaysCollection.schema, indexes: usageDaysCollection.indexes }));
      const database = await consumeBacklog(ctx, bus, produced, tenants, {
        key: 'db',
        label: `MeteringConsumer on Kafka + ${ctx.database}`,
        usageDays,
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
      result.checks.push(deliveryCheck(`${ctx.database}: metric.recorded backlog`, database.tracker, produced.totalEvents, database.drained));
      const counted = await countedUsage(usageDays);
      result.checks.push(exactnessCheck(`${ctx.database}`, produced, counted, database.drained));

      const memory = await consumeBacklog(ctx, bus, produced, tenants, {
        key: 'memory',
        label: 'MeteringConsumer on Kafka + in-memory storage',
        usageDays: await createInMemoryPersistence().repository(usageDaysCollection),
      });
      result.measurements.push(...memory.measurements);
      result.ratios.push(
        { label: 'metering consumer with in-memory storage / gateway production', subject: 'consumed, steady state (in-memory)', subjectValue: memory.steadyRate, baseline: `produced (${production})`, baselineValue: productionRate, unit: 'events/s' },
        { label: `metering consumer on ${ctx.database} / on in-memory storage`, subject: ctx.database, subjectValue: database.steadyRate, baseline: 'in-memory', baselineValue: memory.steadyRate, unit: 'events/s' },
      );
      result.checks.push(exactnessCheck('in-memory', produced, await countedUsage(memory.usageDays), memory.drained));

      // 3. Why: a day's update as the day collection grows (one document per tenant per day).
      result.facts.push({ label: `update of one day document on ${ctx.database}, by collection size`, value: await probeGrowth(usageDays, tenants, counted.days) });
    } finally {
      await bus.close().catch(() => undefined);
      await persistence?.close().catch(() => undefined);
    }
  },
};

interface ConsumerVariant {
  key: string;
  label: string;
  usageDays: UsageDayRepository;
}

interface BacklogRun {
  measurements: Measurement[];
  steadyRate: number;
  drained: boolean;
  tracker: ConsumptionTracker;
  calls: RepositoryCalls;
  usageDays: UsageDayRepository;
}

/** A new group of MeteringConsumer reads the whole backlog; rates per window (opening the days, then the steady state). */
async function consumeBacklog(ctx: BenchContext, bus: KafkaEventBus, produced: GatewayUsageRun, tenants: readonly BenchTenant[], variant: ConsumerVariant): Promise<BacklogRun> {
  const calls = new RepositoryCalls();
  const tracker = new ConsumptionTracker();
  const progress = new WindowProgress(produced.flushes);
  // The gateway stamps each batch with the tenant's time zone; the read model answers only batches without one.
  const zones = new Map(tenants.map(({ tenantId, timezone }) => [tenantId, timezone]));
  const consumer = new TrackedMeteringConsumer({ usageDays: calls.wrap(variant.usageDays), timezones: { timezoneOf: async (tenantId) => zones.get(tenantId) ?? null }, logger: ctx.logger }, tracker, progress);
  const subscribedAt = now();
  const subscription = await consumer.subscribe(new PrivateGroupsBus(bus, (group) => ctx.groupId(`b1-${variant.key}-${group}`)));
  const drained = await waitUntil(() => tracker.handled >= produced.totalEvents, DRAIN_TIMEOUT_MS, 20);
  await subscription.stop({ timeoutMs: 5_000 });

  const [opening, ...later] = progress.windows;
  const steady = { handled: later.reduce((sum, w) => sum + w.handled, 0), firstAt: Math.min(...later.map((w) => w.firstAt || Infinity)), lastAt: Math.max(0, ...later.map((w) => w.lastAt)) };
  const steadyRate = rate(Math.max(0, steady.handled - 1), steady.lastAt - steady.firstAt);
  const wholeMs = tracker.lastHandledAt - consumer.firstHandledAt;
  const measurements: Measurement[] = [
    {
      label: `${variant.label}: the whole backlog, first → last event handled`,
      events: tracker.handled,
      elapsedMs: wholeMs,
      eventsPerSec: rate(Math.max(0, tracker.handled - 1), wholeMs),
      latency: { ...consumer.recordLatency.summary(), of: 'record() (the handler)' },
      note: drained ? `group join + first fetch ${formatMs(consumer.firstHandledAt - subscribedAt)} before` : `NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s`,
    },
  ];
  if (opening) {
    const ms = opening.lastAt - opening.firstAt;
    measurements.push({ label: `${variant.label}: window 1 (opens each tenant's day: an insert each)`, events: opening.handled, elapsedMs: ms, eventsPerSec: rate(Math.max(0, opening.handled - 1), ms) });
  }
  measurements.push({
    label: `${variant.label}: later windows (steady state: an update each)`,
    events: steady.handled,
    elapsedMs: steady.lastAt - steady.firstAt,
    eventsPerSec: steadyRate,
    note: 'partitions overlap windows a little: rate of the later windows\' events, first → last handled',
  });
  return { measurements, steadyRate, drained, tracker, calls, usageDays: variant.usageDays };
}

function reportCosts(result: ScenarioResult, ctx: BenchContext, run: BacklogRun, produced: GatewayUsageRun): void {
  const handled = Math.max(1, run.tracker.handled);
  const method = (name: string) => {
    const histogram = run.calls.histogram(name);
    return `${name} ×${formatNumber(histogram.count / handled, 2)} (p50 ${formatMs(histogram.percentileMs(50))}, p99 ${formatMs(histogram.percentileMs(99))})`;
  };
  result.facts.push(
    { label: `${ctx.database}: repository calls per event handled`, value: `${method('insert')}, ${method('update')}, ${method('findById')}; ${formatNumber(run.calls.conflicts)} conflicts` },
    {
      label: 'traffic behind the events',
      value:
        `${formatNumber(produced.traffic.requests)} requests (${formatNumber(produced.traffic.calls)} calls, ${formatNumber(produced.traffic.rateLimited)} 429s, ` +
        `${formatNumber(produced.traffic.cacheHits)} cache hits, ${formatNumber(produced.traffic.errors)} 5xx, ${formatNumber(produced.traffic.clientErrors)} 4xx) in ${formatNumber(produced.totalEvents)} events; ` +
        `the meter recorded ${formatNumber(produced.meterStats.recorded)} and published ${formatNumber(produced.meterStats.published)}`,
    },
  );
}

async function countedUsage(usageDays: UsageDayRepository): Promise<UsageCounts & { days: number }> {
  const total = { calls: 0, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0, days: 0 };
  let cursor: string | undefined;
  do {
    const page = await usageDays.admin.listAcrossTenants({ limit: 1_000, ...(cursor ? { cursor } : {}) });
    for (const day of page.items) {
      total.calls += day.calls;
      total.rateLimited += day.rateLimited;
      total.cacheHits += day.cacheHits;
      total.errors += day.errors;
      total.clientErrors += day.clientErrors;
      total.days += 1;
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
      `4xx ${formatNumber(counted.clientErrors)}/${formatNumber(sent.clientErrors)}, in ${formatNumber(counted.days)} day documents`,
  };
}

/** p50 of a day's update (the consumer's steady-state write) now, and after adding past days for every tenant. */
async function probeGrowth(usageDays: UsageDayRepository, tenants: readonly BenchTenant[], days: number): Promise<string> {
  const probe = async (): Promise<number> => {
    const latency = new LatencyHistogram();
    for (let i = 0; i < PROBE_UPDATES; i += 1) {
      const { tenantId } = tenants[(i * 97) % tenants.length] ?? { tenantId: 'none' };
      const page = await usageDays.list(tenantId, { limit: 1 });
      const day = page.items[0];
      if (!day) continue;
      const started = now();
      await usageDays.update(tenantId, day.id, { calls: day.calls }, { expectedVersion: day.version });
      latency.recordMs(now() - started);
    }
    return latency.percentileMs(50);
  };
  const before = await probe();
  const fillers = tenants.flatMap(({ tenantId }) => Array.from({ length: PROBE_PAST_DAYS }, (_, d) => ({ tenantId, date: `2020-01-${String(d + 1).padStart(2, '0')}` })));
  await runBounded({ count: fillers.length, ms: 60_000 }, 8, async (i) => {
    const filler = fillers[i];
    if (!filler) return;
    // As a past day looks: a full list of event ids.
    const recentEventIds = Array.from({ length: RECENT_EVENT_IDS }, () => randomUUID());
    await usageDays.insert(filler.tenantId, { date: filler.date, calls: 1, rateLimited: 0, cacheHits: 0, errors: 0, clientErrors: 0, recentEventIds }, { id: usageDayId(filler.tenantId, filler.date) });
  });
  const after = await probe();
  return `p50 ${formatMs(before)} with ${formatNumber(days)} day documents (one day of ${formatNumber(tenants.length)} tenants), ${formatMs(after)} with ${formatNumber(days + fillers.length)} (+${PROBE_PAST_DAYS} past days each); ${PROBE_UPDATES} sequential updates each, nothing else running`;
}
