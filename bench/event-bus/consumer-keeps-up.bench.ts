import { randomUUID } from 'node:crypto';
import { InMemoryProcessedEventStore, KafkaEventBus, type ProcessedEventStore } from '@tenantry/event-bus';
import { connectMongo, type MongoPersistence } from '@tenantry/persistence';
import { BENCH_CONSUMER, ConsumptionTracker, deliveryCheck, LagSampler, PhaseRouter } from '../lib/consumption';
import type { BenchContext } from '../lib/context';
import { benchTenants, metricRecorded } from '../lib/events';
import { TimedProcessedEventStore } from '../lib/instrumented';
import { median, now, rate, sleep, waitUntil } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';
import { readBacklogRaw } from './raw-kafkajs-baseline';

const TENANTS = 100;
const RETRY = { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 500 };
/** Producing at the maximum rate stops at the first of these. */
const MAX_RATE_MS = 5_000;
const DRAIN_TIMEOUT_MS = 40_000;
const PACED_MS = 4_000;
const BACKLOG_TIMEOUT_MS = 30_000;
/** The paced phase runs at this share of the consumer's measured capacity. */
const PACED_SHARE = 0.5;
const LANES = 2;
const CHUNK = 500;

interface Counter {
  acked: number;
}

export const consumerKeepsUp: Scenario = {
  id: 'S2',
  title: 'Consumer keeps up: KafkaEventBus producer at max rate vs one subscribed group',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    let persistence: MongoPersistence | undefined;
    try {
      const memory = await runVariant(ctx, result, {
        key: 'memory',
        label: 'in-memory store',
        store: new InMemoryProcessedEventStore(200_000),
        warmUp: 1_000,
        maxBacklog: scaled(20_000),
        backlogRead: true,
      });
      persistence = await connectMongo({ uri: ctx.mongodbUri, logger: ctx.logger, appName: 'tenantry-bench' });
      // Small on purpose: on FerretDB the consumer is about two orders of magnitude slower (see the facts), and
      // the backlog must drain within the scenario's time bound.
      const mongo = await runVariant(ctx, result, {
        key: 'mongo',
        label: `${ctx.database} store`,
        store: await persistence.processedEventStore(ctx.collection('processed_events')),
        warmUp: 100,
        maxBacklog: scaled(500),
      });
      result.ratios.push({
        label: `consumer with ${ctx.database} store / with in-memory store`,
        subject: `${ctx.database} store`,
        subjectValue: mongo.consumerRate,
        baseline: 'in-memory store',
        baselineValue: memory.consumerRate,
        unit: 'events/s',
      });
    } finally {
      await persistence?.close().catch(() => undefined);
    }
  },
};

interface Variant {
  key: string;
  label: string;
  store: ProcessedEventStore;
  warmUp: number;
  /** Producing at max rate stops once this many published events wait for the consumer. */
  maxBacklog: number;
  /** Then read the whole topic again, with a new subscription and with a plain kafkajs consumer. */
  backlogRead?: boolean;
}

async function runVariant(ctx: BenchContext, result: ScenarioResult, variant: Variant): Promise<{ consumerRate: number }> {
  const { key, label } = variant;
  const store = new TimedProcessedEventStore(variant.store);
  const groupId = ctx.groupId(`s2-${key}`);
  const bus = new KafkaEventBus({
    brokers: [...ctx.kafkaBrokers],
    clientId: 'tenantry-bench',
    logger: ctx.logger,
    topicPrefix: ctx.topicPrefix(`s2-${key}`),
    consumer: BENCH_CONSUMER,
  });
  const tenants = benchTenants(ctx.runId, TENANTS);
  const router = new PhaseRouter();
  let sequence = 0;
  const nextEvent = () => {
    sequence += 1;
    return metricRecorded(tenants[sequence % TENANTS] ?? 'none', sequence);
  };
  try {
    await bus.ensureTopics(['metric.recorded']);
    await bus.subscribe({
      groupId,
      eventTypes: ['metric.recorded'],
      retry: RETRY,
      processedEvents: store,
      handler: (event) => {
        router.onHandled(event.id);
        return Promise.resolve();
      },
    });

    // Warm-up: connections, the group's first fetches, JIT.
    const warmUp = router.track(new ConsumptionTracker());
    await produceAtMaxRate(bus, warmUp, nextEvent, { acked: 0 }, { maxEvents: variant.warmUp, maxMs: 5_000, maxBacklog: Infinity });
    await waitUntil(() => warmUp.handled >= warmUp.expected, DRAIN_TIMEOUT_MS);
    const probeBefore = { ids: warmUp.handled, ms: await probeMiss(variant.store, groupId) };

    // 1. The producer as fast as it goes, the consumer alongside.
    const atMax = router.track(new ConsumptionTracker());
    const counter: Counter = { acked: 0 };
    const lag = new LagSampler();
    lag.start(() => Math.max(0, counter.acked - atMax.handled));
    const producing = await produceAtMaxRate(bus, atMax, nextEvent, counter, {
      maxEvents: scaled(100_000),
      maxMs: MAX_RATE_MS,
      maxBacklog: variant.maxBacklog,
    });
    lag.stop();
    const handledWhileProducing = atMax.handled;
    const lagAtEnd = Math.max(0, counter.acked - handledWhileProducing);
    const drained = await waitUntil(() => atMax.handled >= atMax.expected, DRAIN_TIMEOUT_MS);
    const drainMs = now() - producing.endedAt;
    const consumerRate = rate(atMax.handled, atMax.lastHandledAt - producing.startedAt);
    const producerRate = rate(counter.acked, producing.elapsedMs);
    const consumedWhileProducing = rate(handledWhileProducing, producing.elapsedMs);
    const keepsUp = consumedWhileProducing >= producerRate * 0.95;
    // The backlog was empty when producing started (the warm-up drained), so this is the average growth.
    const lagGrowth = (lagAtEnd * 1000) / Math.max(1, producing.elapsedMs);
    result.measurements.push(
      {
        label: `${label}: producer at max rate`,
        events: counter.acked,
        elapsedMs: producing.elapsedMs,
        eventsPerSec: producerRate,
        note: `stopped by ${producing.stoppedBy}`,
      },
      {
        label: `${label}: consumer meanwhile, then draining`,
        events: atMax.handled,
        elapsedMs: atMax.lastHandledAt - producing.startedAt,
        eventsPerSec: consumerRate,
        latency: { ...atMax.latency.summary(), of: 'publish call → handler (backlog)' },
        note: `lag at end ${formatNumber(lagAtEnd)}; drained ${drained ? `in ${formatMs(drainMs)}` : `NOT within ${DRAIN_TIMEOUT_MS / 1000} s`}`,
      },
    );
    result.ratios.push({
      label: `consumer / max-rate producer (${label})`,
      subject: 'consumed (until drained)',
      subjectValue: consumerRate,
      baseline: 'produced',
      baselineValue: producerRate,
      unit: 'events/s',
    });
    result.facts.push({
      label: `${label}: lag at max rate`,
      value:
        `${formatNumber(lagAtEnd)} when the producer stopped after ${formatMs(producing.elapsedMs)} (max sampled ${formatNumber(Math.max(lag.max, lagAtEnd))}), ` +
        `growing ${formatNumber(lagGrowth)}/s; consumed ${formatNumber(consumedWhileProducing)}/s while producing: ` +
        `the consumer ${keepsUp ? 'keeps up with' : 'does NOT keep up with'} a max-rate producer in the same process`,
    });
    result.checks.push(deliveryCheck(`${label}, max rate`, atMax, counter.acked, drained));

    // 2. Paced at half of what the consumer managed: does the lag stay flat, and with what latency?
    if (drained) {
      const pacedRate = Math.max(20, Math.round(consumerRate * PACED_SHARE));
      const paced = router.track(new ConsumptionTracker());
      const pacedCounter: Counter = { acked: 0 };
      const pacedLag = new LagSampler();
      pacedLag.start(() => Math.max(0, pacedCounter.acked - paced.handled));
      const pacing = await producePaced(bus, paced, nextEvent, pacedCounter, pacedRate, PACED_MS);
      pacedLag.stop();
      const pacedDrained = await waitUntil(() => paced.handled >= paced.expected, DRAIN_TIMEOUT_MS);
      result.measurements.push({
        label: `${label}: paced at ${formatNumber(pacedRate)}/s (${PACED_SHARE * 100}% of the consumer's rate)`,
        events: paced.handled,
        elapsedMs: pacing.elapsedMs,
        eventsPerSec: rate(paced.handled, Math.max(pacing.elapsedMs, paced.lastHandledAt - pacing.startedAt)),
        latency: { ...paced.latency.summary(), of: 'publish call → handler' },
        note: `lag max ${formatNumber(pacedLag.max)}, growth ${formatNumber(pacedLag.growthPerSecond(), 1)}/s`,
      });
      result.checks.push(deliveryCheck(`${label}, paced`, paced, pacedCounter.acked, pacedDrained));
    } else {
      result.notes.push(`${label}: paced phase skipped, the max-rate backlog did not drain`);
    }

    if (variant.backlogRead) await compareBacklogReads(ctx, result, bus, key, router);

    const probeAfter = { ids: router.handledTotal(), ms: await probeMiss(variant.store, groupId) };
    const { checked, recorded } = store.batchedIds;
    const batchCalls = store.processedAmongLatency.count + store.markAllProcessedLatency.count;
    result.facts.push({
      label: `${label}: processed-event store per delivery`,
      value:
        (batchCalls > 0
          ? `per fetched batch: processedAmong ${store.processedAmongLatency.count} calls (${formatNumber(checked / Math.max(1, store.processedAmongLatency.count), 1)} ids each, p50 ${formatMs(store.processedAmongLatency.percentileMs(50))} / p99 ${formatMs(store.processedAmongLatency.percentileMs(99))}), ` +
            `markAllProcessed ${store.markAllProcessedLatency.count} calls (${formatNumber(recorded / Math.max(1, store.markAllProcessedLatency.count), 1)} ids each, p50 ${formatMs(store.markAllProcessedLatency.percentileMs(50))} / p99 ${formatMs(store.markAllProcessedLatency.percentileMs(99))}); ` +
            `per-id calls left: isProcessed ${store.isProcessedLatency.count}, markProcessed ${store.markProcessedLatency.count}; `
          : '') +
        `isProcessed p50 ${formatMs(store.isProcessedLatency.percentileMs(50))} / p99 ${formatMs(store.isProcessedLatency.percentileMs(99))}, ` +
        `markProcessed p50 ${formatMs(store.markProcessedLatency.percentileMs(50))} / p99 ${formatMs(store.markProcessedLatency.percentileMs(99))}; ` +
        `isProcessed of a new id alone: ${formatMs(probeBefore.ms)} with ${formatNumber(probeBefore.ids)} ids stored, ${formatMs(probeAfter.ms)} with ${formatNumber(probeAfter.ids)}`,
    });
    if (router.strays > 0) result.notes.push(`${label}: ${router.strays} handled events were not produced by this run`);
    return { consumerRate };
  } finally {
    await bus.close();
  }
}

/**
 * The consumer alone, no producer competing for the CPU: a new group reads every event of the topic
 * from the beginning, through a subscription (in-memory store) and through plain kafkajs.
 */
async function compareBacklogReads(
  ctx: BenchContext,
  result: ScenarioResult,
  bus: KafkaEventBus,
  key: string,
  router: PhaseRouter,
): Promise<void> {
  const total = router.handledTotal();
  const seen = new Set<string>();
  let lastAt = 0;
  const started = now();
  const subscription = await bus.subscribe({
    groupId: ctx.groupId(`s2-${key}-backlog`),
    eventTypes: ['metric.recorded'],
    retry: RETRY,
    processedEvents: new InMemoryProcessedEventStore(200_000),
    handler: (event) => {
      seen.add(event.id);
      lastAt = now();
      return Promise.resolve();
    },
  });
  const complete = await waitUntil(() => seen.size >= total, BACKLOG_TIMEOUT_MS);
  await subscription.stop();
  const busMs = lastAt - started;
  const topic = bus.topicOf('metric.recorded');
  const raw = await readBacklogRaw(ctx.kafkaBrokers, topic, ctx.groupId(`s2-${key}-raw`), total, BACKLOG_TIMEOUT_MS);
  const rawBusLike = await readBacklogRaw(ctx.kafkaBrokers, topic, ctx.groupId(`s2-${key}-raw-commits`), total, BACKLOG_TIMEOUT_MS, {
    commitEvery: 100,
  });
  result.measurements.push(
    {
      label: 'backlog read: new subscription (in-memory store), topic from the beginning',
      events: seen.size,
      elapsedMs: busMs,
      eventsPerSec: rate(seen.size, busMs),
      note: complete ? 'join included' : `incomplete after ${BACKLOG_TIMEOUT_MS / 1000} s`,
    },
    {
      label: 'baseline (raw kafkajs): eachBatch + JSON.parse + commit per batch',
      events: raw.count,
      elapsedMs: raw.elapsedMs,
      eventsPerSec: rate(raw.count, raw.elapsedMs),
      note: raw.complete ? 'join included' : `incomplete after ${BACKLOG_TIMEOUT_MS / 1000} s`,
    },
    {
      label: "the same + commit every 100 messages + heartbeat per message (the bus's pattern)",
      events: rawBusLike.count,
      elapsedMs: rawBusLike.elapsedMs,
      eventsPerSec: rate(rawBusLike.count, rawBusLike.elapsedMs),
      note: rawBusLike.complete ? 'join included' : `incomplete after ${BACKLOG_TIMEOUT_MS / 1000} s`,
    },
  );
  result.ratios.push({
    label: 'subscription / raw kafkajs consumer (backlog read)',
    subject: 'subscription',
    subjectValue: rate(seen.size, busMs),
    baseline: 'raw kafkajs',
    baselineValue: rate(raw.count, raw.elapsedMs),
    unit: 'events/s',
  });
  result.facts.push({
    label: 'consumer CPU per event (backlog read)',
    value:
      `subscription ${formatNumber(1e6 / rate(seen.size, busMs), 1)} µs, raw kafkajs ${formatNumber(1e6 / rate(raw.count, raw.elapsedMs), 1)} µs, ` +
      `raw with the bus's commit/heartbeat pattern ${formatNumber(1e6 / rate(rawBusLike.count, rawBusLike.elapsedMs), 1)} µs (wall time per event, join included)`,
  });
}

/** Median time of `isProcessed` for ids the store has never seen (what every new event costs). */
async function probeMiss(store: ProcessedEventStore, groupId: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 9; i += 1) {
    const started = now();
    await store.isProcessed(groupId, randomUUID());
    times.push(now() - started);
  }
  return median(times);
}

interface ProduceOutcome {
  startedAt: number;
  endedAt: number;
  elapsedMs: number;
  stoppedBy: 'count' | 'time' | 'backlog';
}

/** `LANES` loops, each publishing `CHUNK` concurrent publish([event]) calls and awaiting them, until a bound is hit. */
async function produceAtMaxRate(
  bus: KafkaEventBus,
  tracker: ConsumptionTracker,
  nextEvent: () => ReturnType<typeof metricRecorded>,
  counter: Counter,
  bound: { maxEvents: number; maxMs: number; maxBacklog: number },
): Promise<ProduceOutcome> {
  const startedAt = now();
  let started = 0;
  let stoppedBy: ProduceOutcome['stoppedBy'] = 'count';
  const shouldStop = (): boolean => {
    if (started >= bound.maxEvents) stoppedBy = 'count';
    else if (now() - startedAt >= bound.maxMs) stoppedBy = 'time';
    else if (counter.acked - tracker.handled >= bound.maxBacklog) stoppedBy = 'backlog';
    else return false;
    return true;
  };
  const lane = async () => {
    while (!shouldStop()) {
      const chunk = Array.from({ length: Math.min(CHUNK, bound.maxEvents - started) }, nextEvent);
      started += chunk.length;
      await Promise.all(
        chunk.map(async (event) => {
          tracker.expect(event.id);
          await bus.publish([event]);
          counter.acked += 1;
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const endedAt = now();
  return { startedAt, endedAt, elapsedMs: endedAt - startedAt, stoppedBy };
}

/** Publishes at `perSecond` (in 10 ms ticks) for `durationMs`; waits for every acknowledgement. */
async function producePaced(
  bus: KafkaEventBus,
  tracker: ConsumptionTracker,
  nextEvent: () => ReturnType<typeof metricRecorded>,
  counter: Counter,
  perSecond: number,
  durationMs: number,
): Promise<ProduceOutcome> {
  const startedAt = now();
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = now() - startedAt) {
    const due = Math.floor((perSecond * elapsed) / 1000) - sent;
    for (let i = 0; i < due; i += 1) {
      const event = nextEvent();
      tracker.expect(event.id);
      inFlight.push(
        bus.publish([event]).then(() => {
          counter.acked += 1;
        }),
      );
    }
    sent += Math.max(0, due);
    await sleep(10);
  }
  await Promise.all(inFlight);
  const endedAt = now();
  return { startedAt, endedAt, elapsedMs: endedAt - startedAt, stoppedBy: 'time' };
}
