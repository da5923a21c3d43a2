import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Milliseconds since an arbitrary origin, sub-millisecond resolution (performance.now). */
export const now = (): number => performance.now();

/**
 * Latencies in a real HDR histogram (node's perf_hooks.createHistogram, 3 significant figures),
 * recorded in microseconds; percentiles are read back in milliseconds.
 */
export class LatencyHistogram {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

  /** Records one latency given in milliseconds (clamped to [1 µs, 1 h]). */
  recordMs(ms: number): void {
    this.histogram.record(Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.histogram.count;
  }

  /** Adds every value recorded in `other` (e.g. the rounds of one variant). */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  /** The latency (ms) below which `percentile` % of the recorded values fall; NaN when empty. */
  percentileMs(percentile: number): number {
    return this.histogram.count === 0 ? Number.NaN : this.histogram.percentile(percentile) / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50Ms: this.percentileMs(50),
      p99Ms: this.percentileMs(99),
      maxMs: this.histogram.count === 0 ? Number.NaN : this.histogram.max / 1000,
    };
  }
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A bound on a measured loop: stop after `count` operations or `ms` milliseconds, whichever comes first. */
export interface LoopBound {
  count: number;
  ms: number;
}

/** Events per second; 0 when nothing was measured. */
export function rate(events: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (events * 1000) / elapsedMs : 0;
}

/**
 * Waits until `done()` is true (polled every `intervalMs`) or `timeoutMs` passes; returns whether it
 * became true. Never throws on timeout: the caller reports what was reached.
 */
export async function waitUntil(done: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = now() + timeoutMs;
  while (!done()) {
    if (now() >= deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** Runs `work` and returns its result with the elapsed milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = now();
  const result = await work();
  return { result, elapsedMs: now() - started };
}

/** Runs up to `limit` copies of `worker` at once until `bound` is reached; returns how many ran and how long it took. */
export async function runBounded(
  bound: LoopBound,
  limit: number,
  worker: (index: number) => Promise<void>,
): Promise<{ count: number; elapsedMs: number }> {
  const started = now();
  let next = 0;
  let finished = 0;
  const lane = async () => {
    while (next < bound.count && now() - started < bound.ms) {
      const index = next;
      next += 1;
      await worker(index);
      finished += 1;
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return { count: finished, elapsedMs: now() - started };
}

/** The median of a non-empty list (mean of the middle two for an even length). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
