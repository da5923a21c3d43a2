/** A quantile of a latency histogram, as the bucket it falls in and an estimate inside that bucket. */
export interface HistogramQuantile {
  quantile: number;
  /** Requests the histogram counted. */
  samples: number;
  /** The bucket's lower bound (0 for the first bucket). */
  bucket_lower_ms: number;
  /** The bucket's upper bound; null for the last bucket (+Inf, no bound). */
  bucket_upper_ms: number | null;
  /** Linear interpolation inside the bucket (as Prometheus' histogram_quantile); null in the +Inf bucket. */
  estimate_ms: number | null;
}

/**
 * The `quantile` (0–1) of a histogram with upper bounds `bounds` (ascending) and `buckets` counts
 * (one more than the bounds: the last is +Inf). Null when the histogram is empty. The true value is
 * only known to lie in the bucket; the estimate assumes requests spread evenly inside it.
 */
export function histogramQuantile(bounds: readonly number[], buckets: readonly number[], quantile: number): HistogramQuantile | null {
  const samples = buckets.reduce((sum, count) => sum + count, 0);
  if (samples === 0) return null;
  const rank = quantile * samples;
  let below = 0;
  for (let i = 0; i < buckets.length; i += 1) {
    const count = buckets[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? null;
      return {
        quantile,
        samples,
        bucket_lower_ms: lower,
        bucket_upper_ms: upper,
        estimate_ms: upper === null ? null : Math.round((lower + ((upper - lower) * (rank - below)) / count) * 100) / 100,
      };
    }
    below += count;
  }
  return null;
}

/** "(100, 500] ms" or "> 500 ms": the bucket, the way the answer states it. */
export function bucketLabel(q: Pick<HistogramQuantile, 'bucket_lower_ms' | 'bucket_upper_ms'>): string {
  return q.bucket_upper_ms === null ? `> ${q.bucket_lower_ms} ms` : `(${q.bucket_lower_ms}, ${q.bucket_upper_ms}] ms`;
}
