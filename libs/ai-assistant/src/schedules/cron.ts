import { CronExpressionParser } from 'cron-parser';

/** The most runs a schedule may make per hour: a cron firing more often than every 5 minutes is refused. */
export const MIN_MINUTES_BETWEEN_RUNS = 5;
/** Runs looked at when checking the spacing (a day of `* /5`-style expressions, and every hour of a day). */
const SPACING_SAMPLE = 48;

/**
 * Why `cron` in `timezone` is not a schedule the assistant runs, or null when it is: five fields
 * (minute hour day-of-month month day-of-week), parsed by cron-parser in the time zone, with runs at
 * least MIN_MINUTES_BETWEEN_RUNS apart.
 */
export function cronProblem(cron: string, timezone: string, now: Date): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `Five fields (minute hour day-of-month month day-of-week), got ${fields.length}.`;
  let runs: Date[];
  try {
    runs = nextRuns(cron, timezone, now, SPACING_SAMPLE);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (runs.length === 0) return 'The expression never fires.';
  for (let i = 1; i < runs.length; i += 1) {
    const gap = ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / 60_000;
    if (gap < MIN_MINUTES_BETWEEN_RUNS)
      return `Runs ${gap} minutes apart (${(runs[i - 1] as Date).toISOString()}, ${(runs[i] as Date).toISOString()}); at least ${MIN_MINUTES_BETWEEN_RUNS} allowed.`;
  }
  return null;
}

/** The next `count` instants strictly after `after` at which `cron` fires in `timezone` (DST as the zone has it). */
export function nextRuns(cron: string, timezone: string, after: Date, count: number): Date[] {
  const expression = CronExpressionParser.parse(cron.trim(), { currentDate: after, tz: timezone });
  return expression.take(count).map((date) => date.toDate());
}

/** The first instant strictly after `after` at which `cron` fires. */
export function nextRun(cron: string, timezone: string, after: Date): Date {
  return nextRuns(cron, timezone, after, 1)[0] as Date;
}
