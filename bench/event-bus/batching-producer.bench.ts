import { parseEvent, type TenantryEventOf } from '@tenantry/contracts';
import { KafkaEventBus } from '@tenantry/event-bus';
import type { BenchContext } from '../lib/context';
import { benchTenants, metricRecorded } from '../lib/events';
import { LatencyHistogram, median, now, rate } from '../lib/measure';
import { formatNumber, type Measurement, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';
import { RawKafkaBaseline } from './raw-kafkajs-baseline';

const TENANTS = 100;
const ROUNDS = 3;
/** The naive baseline is slow by nature: it stops at this many events or this long, whichever comes first. */
const NAIVE_MAX_MS = 3_000;
/** Per sendBatch of the raw baseline: the bus's own request cap (maxBatchMessages, default 500) and a larger one. */
const RAW_BATCH_SIZES = [500, 2_000] as const;

interface Round {
  eventsPerSec: number;
  elapsedMs: number;
  latency: LatencyHistogram;
}

export const batchingProducer: Scenario = {
  id: 'S1',
  title: 'Batching producer: concurrent publish([event]) through KafkaEventBus',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const count = scaled(20_000);
    const tenants = benchTenants(ctx.runId, TENANTS);
    const events = Array.from({ length: count }, (_, i) => metricRecorded(tenants[i % TENANTS] ?? 'none', i));
    const bus = new KafkaEventBus({
      brokers: [...ctx.kafkaBrokers],
      clientId: 'tenantry-bench',
      logger: ctx.logger,
      topicPrefix: ctx.topicPrefix('s1'),
    });
    const topic = bus.topicOf('metric.recorded');
    let raw: RawKafkaBaseline | undefined;
    try {
      await bus.ensureTopics(['metric.recorded']);
      raw = await RawKafkaBaseline.connect(ctx.kafkaBrokers);

      // Warm-up: connections, metadata, JIT of every path measured below.
      await publishConcurrently(bus, events.slice(0, 2_000));
      await publishSequentially(bus, events.slice(0, 200), NAIVE_MAX_MS);
      for (const size of RAW_BATCH_SIZES) await raw.sendInBatches(topic, events.slice(0, 2_000), size);

      // Batched and raw alternate, so that drift (page cache, GC, the broker's log segments) hits both alike.
      const batchedRounds: Round[] = [];
      const rawRounds = new Map<number, Round[]>(RAW_BATCH_SIZES.map((size) => [size, []]));
      const before = bus.stats();
      for (let round = 0; round < ROUNDS; round += 1) {
        batchedRounds.push(await publishConcurrently(bus, events));
        for (const size of RAW_BATCH_SIZES) {
          const sent = await raw.sendInBatches(topic, events, size);
          rawRounds.get(size)?.push({ eventsPerSec: rate(count, sent.elapsedMs), elapsedMs: sent.elapsedMs, latency: sent.perRequest });
        }
      }
      const after = bus.stats();
      const naiveBefore = bus.stats();
      const naive = await publishSequentially(bus, events, NAIVE_MAX_MS);
      const naiveAfter = bus.stats();
      const rawSingle = await raw.sendOneByOne(topic, events, NAIVE_MAX_MS);
      const validation = validationCost(events);

      const batched = medianRound(batchedRounds);
      const requests = after.produceRequests - before.produceRequests;
      const messages = after.messages - before.messages;
      result.measurements.push(
        measurement(
          `KafkaEventBus: ${formatNumber(count)} concurrent publish([event]) (median of ${ROUNDS})`,
          count,
          batched,
          'publish call → ack',
          roundsNote(batchedRounds),
        ),
        {
          label: 'baseline A (naive): one awaited publish([event]) at a time',
          events: naive.count,
          elapsedMs: naive.elapsedMs,
          eventsPerSec: rate(naive.count, naive.elapsedMs),
          latency: { ...naive.latency.summary(), of: 'publish call → ack' },
          note: `bounded to ${NAIVE_MAX_MS / 1000} s`,
        },
      );
      result.measurements.push({
        label: 'baseline A′ (raw kafkajs): one awaited send per event',
        events: rawSingle.requests,
        elapsedMs: rawSingle.elapsedMs,
        eventsPerSec: rate(rawSingle.requests, rawSingle.elapsedMs),
        latency: { ...rawSingle.perRequest.summary(), of: 'one sendBatch' },
        note: `bounded to ${NAIVE_MAX_MS / 1000} s`,
      });
      for (const size of RAW_BATCH_SIZES) {
        const rounds = rawRounds.get(size) ?? [];
        const best = medianRound(rounds);
        result.measurements.push(
          measurement(
            `baseline B (raw kafkajs): sendBatch of ${formatNumber(size)} (median of ${ROUNDS})`,
            count,
            best,
            'one sendBatch',
            roundsNote(rounds),
          ),
        );
      }
      const rawAtBusCap = medianRound(rawRounds.get(RAW_BATCH_SIZES[0]) ?? []);
      const rawLarge = medianRound(rawRounds.get(RAW_BATCH_SIZES[1]) ?? []);
      result.ratios.push(
        {
          label: 'batched / naive',
          subject: 'batched',
          subjectValue: batched.eventsPerSec,
          baseline: 'naive sequential',
          baselineValue: rate(naive.count, naive.elapsedMs),
          unit: 'events/s',
        },
        {
          label: 'naive bus / naive raw (one event per request)',
          subject: 'naive bus',
          subjectValue: rate(naive.count, naive.elapsedMs),
          baseline: 'raw one-by-one',
          baselineValue: rate(rawSingle.requests, rawSingle.elapsedMs),
          unit: 'events/s',
        },
        {
          label: 'batched / raw kafkajs (500 per request)',
          subject: 'batched',
          subjectValue: batched.eventsPerSec,
          baseline: 'raw sendBatch 500',
          baselineValue: rawAtBusCap.eventsPerSec,
          unit: 'events/s',
        },
        {
          label: 'batched / raw kafkajs (2 000 per request)',
          subject: 'batched',
          subjectValue: batched.eventsPerSec,
          baseline: 'raw sendBatch 2 000',
          baselineValue: rawLarge.eventsPerSec,
          unit: 'events/s',
        },
      );
      result.facts.push(
        {
          label: 'produce requests per event (batched)',
          value: `${(requests / Math.max(1, messages)).toFixed(4)} (${formatNumber(requests)} requests for ${formatNumber(messages)} events, ${formatNumber(messages / Math.max(1, requests), 1)} events per request)`,
        },
        {
          label: 'produce requests per event (naive)',
          value: `${((naiveAfter.produceRequests - naiveBefore.produceRequests) / Math.max(1, naiveAfter.messages - naiveBefore.messages)).toFixed(4)}`,
        },
        {
          label: 'contract validation in publish (parseEvent, measured alone)',
          value: `${validation.microsPerEvent.toFixed(1)} µs per event = at most ${formatNumber(1e6 / validation.microsPerEvent)} events/s on one core, before any I/O`,
        },
        { label: 'failed produce requests', value: String(after.failedRequests + naiveAfter.failedRequests) },
      );
      result.checks.push({
        label: 'batching coalesces concurrent calls',
        ok: requests * 10 <= messages,
        detail: `${formatNumber(messages)} events in ${formatNumber(requests)} produce requests`,
      });
    } finally {
      await raw?.close().catch(() => undefined);
      await bus.close();
    }
  },
};

async function publishConcurrently(bus: KafkaEventBus, events: readonly TenantryEventOf<'metric.recorded'>[]): Promise<Round> {
  const latency = new LatencyHistogram();
  const started = now();
  await Promise.all(
    events.map(async (event) => {
      const called = now();
      await bus.publish([event]);
      latency.recordMs(now() - called);
    }),
  );
  const elapsedMs = now() - started;
  return { eventsPerSec: rate(events.length, elapsedMs), elapsedMs, latency };
}

async function publishSequentially(
  bus: KafkaEventBus,
  events: readonly TenantryEventOf<'metric.recorded'>[],
  maxMs: number,
): Promise<{ count: number; elapsedMs: number; latency: LatencyHistogram }> {
  const latency = new LatencyHistogram();
  const started = now();
  let count = 0;
  for (const event of events) {
    if (now() - started >= maxMs) break;
    const called = now();
    await bus.publish([event]);
    latency.recordMs(now() - called);
    count += 1;
  }
  return { count, elapsedMs: now() - started, latency };
}

/** What the bus spends per event validating it against its contract (publish does it for every event). */
function validationCost(events: readonly TenantryEventOf<'metric.recorded'>[]): { microsPerEvent: number } {
  const sample = events.slice(0, 5_000);
  for (const event of sample.slice(0, 500)) parseEvent(event); // warm-up
  const started = now();
  for (const event of sample) parseEvent(event);
  return { microsPerEvent: ((now() - started) * 1000) / sample.length };
}

function medianRound(rounds: readonly Round[]): Round {
  const middle = median(rounds.map((round) => round.eventsPerSec));
  const closest = [...rounds].sort((a, b) => Math.abs(a.eventsPerSec - middle) - Math.abs(b.eventsPerSec - middle))[0];
  if (!closest) throw new Error('no rounds measured');
  return closest;
}

function measurement(label: string, events: number, round: Round, latencyOf: string, note: string): Measurement {
  return {
    label,
    events,
    elapsedMs: round.elapsedMs,
    eventsPerSec: round.eventsPerSec,
    latency: { ...round.latency.summary(), of: latencyOf },
    note,
  };
}

function roundsNote(rounds: readonly Round[]): string {
  return `rounds: ${rounds.map((round) => formatNumber(round.eventsPerSec)).join(' / ')} events/s`;
}
