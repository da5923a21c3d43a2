import type { KafkaConsumerTuning } from '@tenantry/event-bus';
import { LatencyHistogram, now } from './measure';
import { formatNumber, type Check } from './report';

/** Quick joins and rebalances (the tests' settings); processing itself uses the bus defaults (3 partitions at once, commit every 100). */
export const BENCH_CONSUMER: KafkaConsumerTuning = { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, maxWaitTimeMs: 200 };

/**
 * Counts what a consumer handled for one phase of a scenario: distinct event ids (so a loss or a
 * double count shows), handler invocations, and the latency from a start time the producer recorded
 * (publish call, or commit of the write) to the handler.
 */
export class ConsumptionTracker {
  readonly latency = new LatencyHistogram();
  private readonly startedAt = new Map<string, number>();
  private readonly handledIds = new Set<string>();
  invocations = 0;
  lastHandledAt = 0;

  /** The producer is about to publish (or just committed) this event. */
  expect(eventId: string, at: number = now()): void {
    this.startedAt.set(eventId, at);
  }

  expects(eventId: string): boolean {
    return this.startedAt.has(eventId);
  }

  get expected(): number {
    return this.startedAt.size;
  }

  get handled(): number {
    return this.handledIds.size;
  }

  get duplicates(): number {
    return this.invocations - this.handledIds.size;
  }

  /** Called by the handler. */
  onHandled(eventId: string): void {
    const at = now();
    this.invocations += 1;
    this.lastHandledAt = at;
    if (this.handledIds.has(eventId)) return;
    this.handledIds.add(eventId);
    const started = this.startedAt.get(eventId);
    if (started !== undefined) this.latency.recordMs(at - started);
  }
}

/** Routes handled event ids to the tracker of the phase that produced them; counts strays. */
export class PhaseRouter {
  private readonly current: ConsumptionTracker[] = [];
  strays = 0;

  track(tracker: ConsumptionTracker): ConsumptionTracker {
    this.current.push(tracker);
    return tracker;
  }

  /** Distinct events handled over every phase. */
  handledTotal(): number {
    return this.current.reduce((sum, tracker) => sum + tracker.handled, 0);
  }

  onHandled(eventId: string): void {
    const owner = this.current.find((tracker) => tracker.expects(eventId));
    if (owner) owner.onHandled(eventId);
    else this.strays += 1;
  }
}

/** Lag (published and acknowledged, not yet handled) sampled over time. */
export class LagSampler {
  readonly samples: Array<{ atMs: number; lag: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  start(lag: () => number, intervalMs = 200): void {
    const origin = now();
    this.timer = setInterval(() => this.samples.push({ atMs: now() - origin, lag: lag() }), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get max(): number {
    return this.samples.reduce((max, sample) => Math.max(max, sample.lag), 0);
  }

  /** Change of the lag per second over the second half of the samples (positive: growing). */
  growthPerSecond(): number {
    const half = this.samples.slice(Math.floor(this.samples.length / 2));
    const first = half[0];
    const last = half.at(-1);
    if (!first || !last || last.atMs <= first.atMs) return 0;
    return ((last.lag - first.lag) * 1000) / (last.atMs - first.atMs);
  }
}

/** produced == handled and no double count; a backlog still draining at the time bound is unverified, not failed. */
export function deliveryCheck(label: string, tracker: ConsumptionTracker, produced: number, drained: boolean): Check {
  const counts = `produced ${formatNumber(produced)}, handled ${formatNumber(tracker.handled)} distinct, ${formatNumber(tracker.duplicates)} duplicate handler calls`;
  return {
    label: `${label}: produced == handled, no double count`,
    ok: drained && tracker.handled === produced && tracker.duplicates === 0,
    // Still draining when the time bound passed: slow, which the numbers above show, but not (yet) a loss.
    ...(!drained && tracker.duplicates === 0 && tracker.handled < produced ? { unverified: true } : {}),
    detail: drained ? counts : `${counts}; ${formatNumber(produced - tracker.handled)} still unconsumed at the time bound`,
  };
}
