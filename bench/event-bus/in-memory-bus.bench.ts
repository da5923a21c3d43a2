import type { TenantryEventOf } from '@tenantry/contracts';
import { InMemoryEventBus, InMemoryProcessedEventStore } from '@tenantry/event-bus';
import type { BenchContext } from '../lib/context';
import { benchTenants, metricRecorded } from '../lib/events';
import { LatencyHistogram, now, rate, waitUntil } from '../lib/measure';
import { formatNumber, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';

const TENANTS = 100;
const DRAIN_TIMEOUT_MS = 30_000;
const SEQUENTIAL_MAX_MS = 3_000;

/** publish → handler, on the bus of the embedded mode (`npm start`), for reference. */
export const inMemoryBus: Scenario = {
  id: 'S4',
  title: 'In-memory bus (embedded mode): publish → handle',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const count = scaled(20_000);
    const tenants = benchTenants(ctx.runId, TENANTS);
    const bus = new InMemoryEventBus({ logger: ctx.logger, retainedPerPartition: 1_000 });
    const publishedAt = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    const handled = new Set<string>();
    let invocations = 0;
    let latency = new LatencyHistogram();
    try {
      await bus.subscribe({
        groupId: ctx.groupId('s4'),
        eventTypes: ['metric.recorded'],
        retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 100 },
        processedEvents: new InMemoryProcessedEventStore(),
        handler: (event) => {
          invocations += 1;
          handled.add(event.id);
          const at = publishedAt.get(event.id);
          if (at !== undefined) latency.recordMs(now() - at);
          waiting.get(event.id)?.();
          return Promise.resolve();
        },
      });
      const build = (n: number) => Array.from({ length: n }, (_, i) => metricRecorded(tenants[i % TENANTS] ?? 'none', i));

      // Warm-up.
      await burst(bus, build(2_000), publishedAt);
      await waitUntil(() => handled.size >= 2_000, DRAIN_TIMEOUT_MS);
      const warmUp = handled.size;

      // Burst: every publish at once, then until the handler saw the last one.
      latency = new LatencyHistogram();
      const events = build(count);
      const started = now();
      const publishMs = await burst(bus, events, publishedAt);
      const drained = await waitUntil(() => handled.size >= warmUp + count, DRAIN_TIMEOUT_MS, 1);
      const elapsedMs = now() - started;
      result.measurements.push({
        label: `${formatNumber(count)} concurrent publish([event]), one group with an in-memory processed-event store`,
        events: handled.size - warmUp,
        elapsedMs,
        eventsPerSec: rate(handled.size - warmUp, elapsedMs),
        latency: { ...latency.summary(), of: 'publish call → handler (queued)' },
        note: `publishing alone: ${formatNumber(rate(count, publishMs))} events/s`,
      });
      result.checks.push({
        label: 'every event handled exactly once',
        ok: drained && handled.size === warmUp + count && invocations === handled.size,
        detail: `${formatNumber(handled.size - warmUp)} of ${formatNumber(count)} distinct, ${formatNumber(invocations - handled.size)} duplicate invocations`,
      });

      // One event at a time: the pipeline's own latency, no queueing.
      latency = new LatencyHistogram();
      const sequential = build(Math.min(count, 5_000));
      const sequentialStarted = now();
      let sent = 0;
      for (const event of sequential) {
        if (now() - sequentialStarted >= SEQUENTIAL_MAX_MS) break;
        await publishAndWait(bus, event, publishedAt, waiting);
        sent += 1;
      }
      const sequentialMs = now() - sequentialStarted;
      result.measurements.push({
        label: 'one publish at a time, each awaited until handled',
        events: sent,
        elapsedMs: sequentialMs,
        eventsPerSec: rate(sent, sequentialMs),
        latency: { ...latency.summary(), of: 'publish call → handler' },
        note: `bounded to ${SEQUENTIAL_MAX_MS / 1000} s`,
      });
    } finally {
      await bus.close();
    }
  },
};

async function burst(
  bus: InMemoryEventBus,
  events: readonly TenantryEventOf<'metric.recorded'>[],
  publishedAt: Map<string, number>,
): Promise<number> {
  const started = now();
  await Promise.all(
    events.map((event) => {
      publishedAt.set(event.id, now());
      return bus.publish([event]);
    }),
  );
  return now() - started;
}

async function publishAndWait(
  bus: InMemoryEventBus,
  event: TenantryEventOf<'metric.recorded'>,
  publishedAt: Map<string, number>,
  waiting: Map<string, () => void>,
): Promise<void> {
  const handled = new Promise<void>((resolve) => waiting.set(event.id, resolve));
  publishedAt.set(event.id, now());
  await bus.publish([event]);
  await Promise.race([handled, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  waiting.delete(event.id);
}
