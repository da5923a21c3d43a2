import type { DailyTotals } from '../daily-series';
import { analyzeSeries } from './analyze-usage';

const days = (requests: number[], first = '2026-11-02', rateLimited: number[] = []): DailyTotals[] =>
  requests.map((count, i) => ({
    day: new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
    requests: count,
    errors: 0,
    rate_limited: rateLimited[i] ?? 0,
    cache_hits: 0,
  }));
const analyze = (series: DailyTotals[], planId: 'basic' | 'pro' | null = 'pro') =>
  analyzeSeries(
    { series, from: series[0]?.day ?? null, to: series[series.length - 1]?.day ?? '2026-11-30', plan_id: planId },
    { lookback_days: 30 },
  );

describe('analyze_usage', () => {
  it('when there is no usage, then the analysis says so with no trend, no anomalies and no pressure', () => {
    const result = analyze([]);
    expect(result.trend.direction).toBe('unknown');
    expect(result.anomalies).toEqual([]);
    expect(result.figures.total_requests).toBe(0);
    expect(result.summary).toContain('No usage');
  });

  it('when there is one day, then it is counted but gives no trend and no anomaly', () => {
    const result = analyze(days([50]));
    expect(result.figures).toMatchObject({ total_requests: 50, median_requests_per_day: 50, mad_requests_per_day: 0 });
    expect(result.trend).toEqual({ slope_per_day: null, relative_slope_per_day: null, direction: 'unknown' });
    expect(result.anomalies).toEqual([]);
  });

  it('when usage grows by 2 a day with one spike, then the trend is +2/day rising and the spike is the anomaly with z = 14.5', () => {
    // median 14; |x − 14| = 4, 2, 0, 86, 4 → MAD 4; z(100) = 0.6745·86/4 = 14.50; slope: median of pairwise slopes = 2.
    // EWMA: z₄ = 0.3·100 + 0.7·12.99 = 39.1 > 14 + 7.25 (starts a run, flagged); z₅ = 32.8 stays outside (same run, not again).
    const result = analyze(days([10, 12, 14, 100, 18]));
    expect(result.trend).toEqual({ slope_per_day: 2, relative_slope_per_day: 0.1429, direction: 'rising' });
    expect(result.anomalies).toEqual([
      expect.objectContaining({ day: '2026-11-05', requests: 100, robust_z: 14.5, flagged_by: ['robust_z', 'ewma'] }),
    ]);
  });

  it('when days reach 80 % and 100 % of the basic quota, then quota pressure counts one near, one over, and the 429s', () => {
    const result = analyze(days([900, 1000, 500], '2026-11-02', [0, 37, 0]), 'basic');
    expect(result.quota_pressure).toEqual({
      daily_quota: 1000,
      days_near_quota: 1,
      days_over_quota: 1,
      rate_limited_requests: 37,
      peak_share_of_quota: 1,
    });
    expect(result.summary).toContain('37 requests were rate limited');
  });

  it('when there are two weeks with busy Mondays, then Monday is the peak of the weekly seasonality', () => {
    // 2026-11-02 is a Monday: Mondays 200, other days 100 → mean 1600/14 = 114.29; Monday index 200/114.29 = 1.75
    const result = analyze(days([200, 100, 100, 100, 100, 100, 100, 200, 100, 100, 100, 100, 100, 100]));
    expect(result.seasonality).toMatchObject({ available: true, peak_weekday: 'monday', weekday_index: { monday: 1.75, tuesday: 0.875 } });
    expect(analyze(days([1, 2, 3])).seasonality).toMatchObject({ available: false });
  });
});
