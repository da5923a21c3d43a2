import { planOf, UNLIMITED, type PlanId } from '@tenantry/contracts';
import { z } from 'zod';
import { defineAction } from '../action';
import { analysisWindow, dailySeries, weekdayOf, windowStart, type DailyTotals } from '../daily-series';
import { ewmaChart, median, medianAbsoluteDeviation, robustZScores, round, theilSenSlope } from './statistics';

export const analyzeUsageParameters = z.strictObject({
  /** How many days back to look, today included. */
  lookback_days: z.number().int().min(1).max(365).default(30),
});
export type AnalyzeUsageParameters = z.output<typeof analyzeUsageParameters>;

/** |z| above this is an anomaly (Iglewicz & Hoaglin's recommended cut-off for modified z-scores). */
export const ROBUST_Z_THRESHOLD = 3.5;
/** A day at or above this share of the daily quota counts as "near" it. */
export const NEAR_QUOTA_SHARE = 0.8;
/** Below this relative slope per day (of the median day) the trend is called flat. */
const FLAT_RELATIVE_SLOPE = 0.01;
const SEASONALITY_MIN_DAYS = 14;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

interface AnalyzeUsageInputs {
  series: DailyTotals[];
  from: string | null;
  to: string;
  plan_id: PlanId | null;
}

export const analyzeUsage = defineAction({
  name: 'analyze_usage',
  summary: 'Trend (Theil–Sen), weekly seasonality, anomalies (robust z-score and EWMA) and quota pressure of your API usage',
  parameters: analyzeUsageParameters,
  requiredFeature: 'ai_assistant',
  reads: ['usage per day and route (metric.recorded)', 'plan (subscription.*)'],
  async load(context, parameters, tracker): Promise<AnalyzeUsageInputs> {
    await context.progress(10, 'reading usage');
    const [days, plan] = await Promise.all([
      context.models.usageOf(context.tenantId, tracker, windowStart(context.now, parameters.lookback_days)),
      context.models.planOf(context.tenantId, tracker),
    ]);
    const today = context.now.toISOString().slice(0, 10);
    const window = analysisWindow(days, today, parameters.lookback_days);
    return {
      series: window ? dailySeries(days, window.from, window.to) : [],
      from: window?.from ?? null,
      to: today,
      plan_id: plan?.plan_id ?? context.planId ?? null,
    };
  },
  compute: (inputs, parameters) => analyzeSeries(inputs, parameters),
});

export function analyzeSeries(inputs: AnalyzeUsageInputs, parameters: AnalyzeUsageParameters) {
  const requests = inputs.series.map((day) => day.requests);
  const zScores = robustZScores(requests);
  const chart = ewmaChart(requests);
  const slope = theilSenSlope(requests);
  const center = median(requests);
  const days = inputs.series.map((day, i) => ({
    ...day,
    robust_z: zScores[i] === null || zScores[i] === undefined ? null : round(zScores[i] as number),
    ewma: chart[i] ? round(chart[i].ewma) : null,
    ewma_outside_limits: chart[i]?.outside ?? false,
    // A run of days outside the limits is one signal (the EWMA remembers), reported on the day it starts.
    ewma_signal: (chart[i]?.outside ?? false) && !(chart[i - 1]?.outside ?? false),
  }));
  const anomalies = days
    .filter((day) => (day.robust_z !== null && Math.abs(day.robust_z) > ROBUST_Z_THRESHOLD) || day.ewma_signal)
    .map((day) => ({
      day: day.day,
      requests: day.requests,
      robust_z: day.robust_z,
      flagged_by: [
        ...(day.robust_z !== null && Math.abs(day.robust_z) > ROBUST_Z_THRESHOLD ? ['robust_z'] : []),
        ...(day.ewma_signal ? ['ewma'] : []),
      ],
    }));
  const trend = trendOf(slope, center);
  const quota = quotaPressure(inputs.series, inputs.plan_id);
  const seasonality = weeklySeasonality(inputs.series);
  return {
    inputs: {
      lookback_days: parameters.lookback_days,
      from: inputs.from,
      to: inputs.to,
      plan_id: inputs.plan_id,
      days_with_data: inputs.series.length,
    },
    figures: {
      total_requests: requests.reduce((sum, v) => sum + v, 0),
      median_requests_per_day: center,
      mad_requests_per_day: medianAbsoluteDeviation(requests),
      days,
    },
    trend,
    seasonality,
    anomalies,
    quota_pressure: quota,
    summary: summaryOf(inputs.series.length, trend, anomalies.length, quota),
    method:
      'Days from the first day with data in the window to today (the last day is partial), quiet days counted as 0. ' +
      'Trend: Theil–Sen slope (median of pairwise slopes) in requests per day; flat below 1 % of the median day per day. ' +
      `Anomalies: modified z-score 0.6745·(x − median)/MAD with |z| > ${ROBUST_Z_THRESHOLD}, and an EWMA chart (λ 0.3, limits ±3σ, σ = 1.4826·MAD) flagging the first day of each run outside its limits. ` +
      `Seasonality: mean per weekday ÷ overall mean, from ${SEASONALITY_MIN_DAYS} days. Quota pressure: days at ≥ ${NEAR_QUOTA_SHARE * 100} % and ≥ 100 % of the plan's daily quota, and 429s.`,
  };
}

function trendOf(slope: number | null, center: number | null) {
  if (slope === null || center === null) return { slope_per_day: null, relative_slope_per_day: null, direction: 'unknown' as const };
  const relative = center > 0 ? slope / center : slope === 0 ? 0 : null;
  const direction =
    relative !== null && Math.abs(relative) < FLAT_RELATIVE_SLOPE ? 'flat' : slope > 0 ? 'rising' : slope < 0 ? 'falling' : 'flat';
  return { slope_per_day: round(slope), relative_slope_per_day: relative === null ? null : round(relative, 4), direction };
}

function weeklySeasonality(series: readonly DailyTotals[]) {
  if (series.length < SEASONALITY_MIN_DAYS)
    return { available: false as const, reason: `needs at least ${SEASONALITY_MIN_DAYS} days, has ${series.length}` };
  const mean = series.reduce((sum, d) => sum + d.requests, 0) / series.length;
  if (mean === 0) return { available: false as const, reason: 'no requests in the window' };
  const index: Record<string, number> = {};
  for (let weekday = 0; weekday < 7; weekday += 1) {
    const same = series.filter((d) => weekdayOf(d.day) === weekday);
    index[WEEKDAYS[weekday] as string] = round(same.reduce((sum, d) => sum + d.requests, 0) / same.length / mean, 3);
  }
  const ranked = Object.entries(index).sort((a, b) => b[1] - a[1]);
  return {
    available: true as const,
    weekday_index: index,
    peak_weekday: ranked[0]?.[0] ?? null,
    quietest_weekday: ranked[ranked.length - 1]?.[0] ?? null,
  };
}

function quotaPressure(series: readonly DailyTotals[], planId: PlanId | null) {
  const quota = planId ? planOf(planId).limits.apiCallsPerDay : null;
  const rateLimited = series.reduce((sum, d) => sum + d.rate_limited, 0);
  if (quota === null || quota === UNLIMITED) {
    return { daily_quota: quota, days_near_quota: 0, days_over_quota: 0, rate_limited_requests: rateLimited, peak_share_of_quota: null };
  }
  const peak = series.reduce((max, d) => Math.max(max, d.requests), 0);
  return {
    daily_quota: quota,
    days_near_quota: series.filter((d) => d.requests >= NEAR_QUOTA_SHARE * quota && d.requests < quota).length,
    days_over_quota: series.filter((d) => d.requests >= quota).length,
    rate_limited_requests: rateLimited,
    peak_share_of_quota: round(peak / quota, 3),
  };
}

function summaryOf(days: number, trend: ReturnType<typeof trendOf>, anomalies: number, quota: ReturnType<typeof quotaPressure>): string {
  if (days === 0) return 'No usage recorded in the window yet: nothing to analyse.';
  const parts = [
    trend.direction === 'unknown'
      ? `One day of data: no trend yet.`
      : `Usage is ${trend.direction} (${trend.slope_per_day} requests/day per day over ${days} days).`,
    `${anomalies} anomalous day${anomalies === 1 ? '' : 's'}.`,
  ];
  if (quota.days_over_quota > 0 || quota.days_near_quota > 0)
    parts.push(`${quota.days_over_quota} day(s) at or over the daily quota, ${quota.days_near_quota} near it.`);
  if (quota.rate_limited_requests > 0) parts.push(`${quota.rate_limited_requests} requests were rate limited (429).`);
  return parts.join(' ');
}
