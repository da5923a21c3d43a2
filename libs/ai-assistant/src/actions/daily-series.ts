import type { UsageDay } from '../read-models/usage-day.collection';

/** One day of a tenant's traffic, summed over its routes. */
export interface DailyTotals {
  day: string;
  requests: number;
  errors: number;
  rate_limited: number;
  cache_hits: number;
}

const DAY_MS = 86_400_000;

export function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export function weekdayOf(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/**
 * The tenant's days from `from` to `to` (inclusive), with the days it made no call as zeros: a quiet
 * day is a data point (usage fell to nothing), not a gap to skip.
 */
export function dailySeries(days: readonly UsageDay[], from: string, to: string): DailyTotals[] {
  const byDay = new Map(days.map((day) => [day.day, day]));
  const series: DailyTotals[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const routes = byDay.get(day)?.routes ?? [];
    series.push({
      day,
      requests: routes.reduce((sum, r) => sum + r.request_count, 0),
      errors: routes.reduce((sum, r) => sum + r.error_count, 0),
      rate_limited: routes.reduce((sum, r) => sum + r.rate_limited_count, 0),
      cache_hits: routes.reduce((sum, r) => sum + r.cache_hit_count, 0),
    });
  }
  return series;
}

/** The first day of the last `lookbackDays` days up to `today` (a day, or the UTC day of an instant), today included. */
export function windowStart(today: string | Date, lookbackDays: number): string {
  return addDays(typeof today === 'string' ? today : today.toISOString().slice(0, 10), -(lookbackDays - 1));
}

/** The window of an analysis: the last `lookbackDays` days up to today, starting no earlier than the first day with data. */
export function analysisWindow(days: readonly UsageDay[], today: string, lookbackDays: number): { from: string; to: string } | null {
  const earliestAllowed = windowStart(today, lookbackDays);
  const first = days
    .map((d) => d.day)
    .filter((d) => d >= earliestAllowed && d <= today)
    .sort()[0];
  return first === undefined ? null : { from: first, to: today };
}
