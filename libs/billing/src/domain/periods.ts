import type { BillingInterval } from '@tenantry/contracts';

/**
 * Billing periods, all in UTC. A cycle is fixed by its anchor: every period starts on the anchor's day of
 * month and time of day, clamped to the last day of a shorter month. Time is always passed in, so the
 * same inputs give the same periods in a test, a replay or a preview.
 */

/** A half-open interval [start, end): an instant on a boundary belongs to the period that starts there. */
export interface Period {
  readonly start: Date;
  readonly end: Date;
}

const MONTHS_PER_INTERVAL: Readonly<Record<BillingInterval, number>> = { monthly: 1, annual: 12 };

/** How many calendar months an interval lasts (orders intervals: annual is the longer one). */
export function intervalMonths(interval: BillingInterval): number {
  return MONTHS_PER_INTERVAL[interval];
}

function assertValidDate(at: Date, name: string): void {
  if (Number.isNaN(at.getTime())) throw new RangeError(`${name} is not a valid date`);
}

/**
 * `count` intervals after `anchor`, keeping the anchor's day of month and time of day, clamped to the last
 * day of shorter months: 31 Jan + 1 month = 28 Feb (29 in leap years), + 2 months = 31 Mar. Always computed
 * from the anchor, never by chaining: chaining would carry the clamp on (31 Jan → 28 Feb → 28 Mar).
 */
export function addIntervals(anchor: Date, interval: BillingInterval, count: number): Date {
  assertValidDate(anchor, 'anchor');
  if (!Number.isSafeInteger(count)) throw new RangeError(`count must be an integer, got ${count}`);
  const year = anchor.getUTCFullYear();
  // Date.UTC carries months past December into the next years (and below January into earlier ones).
  const month = anchor.getUTCMonth() + count * intervalMonths(interval);
  const lastDayOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDayOfMonth);
  return new Date(
    Date.UTC(year, month, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()),
  );
}

/** The period of the cycle anchored at `anchor` that contains `at`. Throws RangeError if `at` is before the anchor. */
export function periodContaining(anchor: Date, interval: BillingInterval, at: Date): Period {
  assertValidDate(anchor, 'anchor');
  assertValidDate(at, 'at');
  if (at < anchor) throw new RangeError(`${at.toISOString()} is before the cycle anchor ${anchor.toISOString()}`);
  const monthsApart = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  let count = Math.floor(monthsApart / intervalMonths(interval));
  // The period `count` starts in `at`'s month or earlier, and the next one in a later month; it is one
  // period too far only when it starts in `at`'s month after `at` (a later day or time of day).
  if (addIntervals(anchor, interval, count) > at) count -= 1;
  return { start: addIntervals(anchor, interval, count), end: addIntervals(anchor, interval, count + 1) };
}

/** Drops the milliseconds: billing counts whole seconds, so two requests in the same second bill alike. */
export function truncateToSecond(at: Date): Date {
  assertValidDate(at, 'at');
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

/** Whole seconds from `from` to `to` (negative when `to` is earlier), each truncated to the second. */
export function secondsBetween(from: Date, to: Date): number {
  return (truncateToSecond(to).getTime() - truncateToSecond(from).getTime()) / 1000;
}

/** The length of a period in whole seconds (anchors are whole seconds; anything finer is dropped). */
export function periodSeconds(period: Period): number {
  return secondsBetween(period.start, period.end);
}

/** True when `at` falls in [start, end). */
export function periodIncludes(period: Period, at: Date): boolean {
  return period.start <= at && at < period.end;
}
