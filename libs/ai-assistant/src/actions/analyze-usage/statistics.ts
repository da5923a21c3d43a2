/** Robust statistics for daily series: pure functions, each with a hand-computed spec. */

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median absolute deviation from the median (unscaled). */
export function medianAbsoluteDeviation(values: readonly number[]): number | null {
  const center = median(values);
  if (center === null) return null;
  return median(values.map((value) => Math.abs(value - center)));
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points (x = day index). It ignores
 * up to ~29 % of outlying days, where a least-squares line follows them. Null below two points.
 */
export function theilSenSlope(values: readonly number[]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < values.length; i += 1) {
    for (let j = i + 1; j < values.length; j += 1) slopes.push(((values[j] as number) - (values[i] as number)) / (j - i));
  }
  return median(slopes);
}

/** 0.6745 makes the MAD a consistent estimator of σ for normal data (Iglewicz & Hoaglin). */
const MAD_TO_SIGMA = 0.6745;

/**
 * Modified z-scores 0.6745·(x − median)/MAD. Null when the MAD is 0 (more than half the days are equal):
 * then no day can be called unusual by this measure.
 */
export function robustZScores(values: readonly number[]): Array<number | null> {
  const center = median(values);
  const mad = medianAbsoluteDeviation(values);
  if (center === null || !mad) return values.map(() => null);
  return values.map((value) => (MAD_TO_SIGMA * (value - center)) / mad);
}

export interface EwmaPoint {
  value: number;
  ewma: number;
  lower: number;
  upper: number;
  outside: boolean;
}

/** 1.4826·MAD estimates σ for normal data, unmoved by the outliers the chart is looking for. */
const MAD_SIGMA_FACTOR = 1.4826;

/**
 * An EWMA control chart (Roberts 1959): z_t = λ·x_t + (1−λ)·z_{t−1}, starting at the centre μ, with
 * limits μ ± L·σ·√(λ/(2−λ)·(1−(1−λ)^{2t})). μ and σ are robust (median, 1.4826·MAD), so a lasting shift
 * does not widen its own limits. Flags drifts that single-day z-scores miss.
 */
export function ewmaChart(values: readonly number[], lambda = 0.3, width = 3): EwmaPoint[] {
  const center = median(values);
  if (center === null) return [];
  const sigma = MAD_SIGMA_FACTOR * (medianAbsoluteDeviation(values) ?? 0);
  let z = center;
  return values.map((value, i) => {
    z = lambda * value + (1 - lambda) * z;
    const spread = width * sigma * Math.sqrt((lambda / (2 - lambda)) * (1 - (1 - lambda) ** (2 * (i + 1))));
    return {
      value,
      ewma: z,
      lower: center - spread,
      upper: center + spread,
      outside: sigma > 0 && (z < center - spread || z > center + spread),
    };
  });
}

/** `value` rounded to `digits` decimals, for figures shown to people. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
