/**
 * Latency histograms as the rollups keep them: counts per bucket of ONE fixed set of upper bounds (ms,
 * inclusive), the last bucket +Inf. The gateway's bounds plus 300 ms (the latency SLO's threshold), so
 * that the gateway's buckets map exactly and the latency SLI is not rounded.
 */
export const ROLLUP_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 300, 500, 1_000, 2_500, 5_000, 10_000] as const;
export const ROLLUP_BUCKETS = ROLLUP_BOUNDS_MS.length + 1;

export const emptyHistogram = (): number[] => new Array<number>(ROLLUP_BUCKETS).fill(0);

/**
 * Re-buckets counts reported against other bounds: each reported bucket goes to the smallest rollup
 * bound at or above its own upper bound (never understating a latency); above 10 s it is +Inf.
 */
export function rebucket(bounds: readonly number[], counts: readonly number[]): number[] {
  const result = emptyHistogram();
  counts.forEach((count, i) => {
    if (count === 0) return;
    const upper = bounds[i] ?? Infinity;
    let target = ROLLUP_BOUNDS_MS.findIndex((bound) => bound >= upper);
    if (target < 0) target = ROLLUP_BOUNDS_MS.length;
    result[target] = (result[target] ?? 0) + count;
  });
  return result;
}

export function addHistograms(into: number[], other: readonly number[]): number[] {
  for (let i = 0; i < ROLLUP_BUCKETS; i += 1) into[i] = (into[i] ?? 0) + (other[i] ?? 0);
  return into;
}

export interface Percentile {
  /** The bucket's upper bound in ms: the true percentile is at most this (null: above the last bound). */
  upper_bound_ms: number | null;
  /** The bucket's lower bound in ms: the true percentile is above this. */
  lower_bound_ms: number;
}

/** The bucket holding the q-quantile (0 < q ≤ 1) of the merged histogram; null without requests. */
export function percentile(histogram: readonly number[], q: number): Percentile | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < ROLLUP_BUCKETS; i += 1) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return { lower_bound_ms: i === 0 ? 0 : (ROLLUP_BOUNDS_MS[i - 1] ?? 0), upper_bound_ms: ROLLUP_BOUNDS_MS[i] ?? null };
  }
  return { lower_bound_ms: ROLLUP_BOUNDS_MS[ROLLUP_BOUNDS_MS.length - 1] ?? 0, upper_bound_ms: null };
}

/** Requests answered within `thresholdMs` (only whole buckets count: the threshold should be a rollup bound). */
export function countWithin(histogram: readonly number[], thresholdMs: number): number {
  let within = 0;
  ROLLUP_BOUNDS_MS.forEach((bound, i) => {
    if (bound <= thresholdMs) within += histogram[i] ?? 0;
  });
  return within;
}
