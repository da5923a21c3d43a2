import type { BillingInterval } from '@tenantry/contracts';
import { addIntervals, periodContaining, periodSeconds, truncateToSecond } from './periods';

const utc = (iso: string): Date => new Date(iso);
const DAY = 86_400;

describe('addIntervals', () => {
  it.each<[string, BillingInterval, number, string]>([
    // 31 Jan anchor, non-leap 2025: clamped to the month's last day, never chained.
    ['2025-01-31T10:30:00Z', 'monthly', 0, '2025-01-31T10:30:00.000Z'],
    ['2025-01-31T10:30:00Z', 'monthly', 1, '2025-02-28T10:30:00.000Z'], // Feb 2025 has 28 days
    ['2025-01-31T10:30:00Z', 'monthly', 2, '2025-03-31T10:30:00.000Z'], // back to the 31st, not 28 Mar
    ['2025-01-31T10:30:00Z', 'monthly', 3, '2025-04-30T10:30:00.000Z'], // April has 30 days
    ['2025-01-31T10:30:00Z', 'monthly', 4, '2025-05-31T10:30:00.000Z'],
    ['2025-01-31T10:30:00Z', 'monthly', 12, '2026-01-31T10:30:00.000Z'],
    ['2025-01-31T10:30:00Z', 'monthly', 13, '2026-02-28T10:30:00.000Z'], // across the year end
    // 31 Jan anchor, leap 2028
    ['2028-01-31T10:30:00Z', 'monthly', 1, '2028-02-29T10:30:00.000Z'], // Feb 2028 has 29 days
    ['2028-01-31T10:30:00Z', 'monthly', 2, '2028-03-31T10:30:00.000Z'],
    ['2028-01-31T10:30:00Z', 'monthly', 3, '2028-04-30T10:30:00.000Z'],
    // 30 Jan anchor
    ['2025-01-30T08:00:00Z', 'monthly', 1, '2025-02-28T08:00:00.000Z'],
    ['2025-01-30T08:00:00Z', 'monthly', 2, '2025-03-30T08:00:00.000Z'],
    ['2025-01-30T08:00:00Z', 'monthly', 3, '2025-04-30T08:00:00.000Z'], // 30 fits April
    ['2028-01-30T08:00:00Z', 'monthly', 1, '2028-02-29T08:00:00.000Z'],
    // 29 Feb 2028 annual: 28 Feb in common years, 29 Feb again in 2032
    ['2028-02-29T00:00:00Z', 'annual', 1, '2029-02-28T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', 'annual', 2, '2030-02-28T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', 'annual', 3, '2031-02-28T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', 'annual', 4, '2032-02-29T00:00:00.000Z'],
    // time of day kept to the millisecond
    ['2025-01-31T23:59:59.250Z', 'monthly', 1, '2025-02-28T23:59:59.250Z'],
    ['2025-03-16T10:00:00Z', 'annual', 1, '2026-03-16T10:00:00.000Z'],
    // negative counts go back from the anchor the same way
    ['2025-03-31T12:00:00Z', 'monthly', -1, '2025-02-28T12:00:00.000Z'],
  ])('when the anchor is %s and %s × %i, then the date is %s', (anchor, interval, count, expected) => {
    expect(addIntervals(utc(anchor), interval, count).toISOString()).toBe(expected);
  });

  it('when the count is not an integer, then it throws a RangeError', () => {
    expect(() => addIntervals(utc('2025-01-31T00:00:00Z'), 'monthly', 1.5)).toThrow(RangeError);
  });
});

describe('periodContaining', () => {
  it.each<[string, BillingInterval, string, string, string]>([
    // anchor 31 Jan 2025 10:30, monthly
    ['2025-01-31T10:30:00Z', 'monthly', '2025-01-31T10:30:00Z', '2025-01-31T10:30:00.000Z', '2025-02-28T10:30:00.000Z'], // the anchor itself
    ['2025-01-31T10:30:00Z', 'monthly', '2025-02-28T10:29:59Z', '2025-01-31T10:30:00.000Z', '2025-02-28T10:30:00.000Z'], // one second before the boundary
    ['2025-01-31T10:30:00Z', 'monthly', '2025-02-28T10:30:00Z', '2025-02-28T10:30:00.000Z', '2025-03-31T10:30:00.000Z'], // exactly on it: the next period
    ['2025-01-31T10:30:00Z', 'monthly', '2025-03-15T00:00:00Z', '2025-02-28T10:30:00.000Z', '2025-03-31T10:30:00.000Z'],
    ['2025-01-31T10:30:00Z', 'monthly', '2025-04-30T10:30:00Z', '2025-04-30T10:30:00.000Z', '2025-05-31T10:30:00.000Z'],
    // 40 months later: Jan 2025 + 40 months = May 2028 (31 May), then 30 Jun
    ['2025-01-31T10:30:00Z', 'monthly', '2028-05-31T12:00:00Z', '2028-05-31T10:30:00.000Z', '2028-06-30T10:30:00.000Z'],
    // same day but earlier than the anchor's time of day: still the period that started 30 Apr 2028
    ['2025-01-31T10:30:00Z', 'monthly', '2028-05-31T10:00:00Z', '2028-04-30T10:30:00.000Z', '2028-05-31T10:30:00.000Z'],
    // leap February
    ['2028-01-31T10:30:00Z', 'monthly', '2028-02-29T10:30:00Z', '2028-02-29T10:30:00.000Z', '2028-03-31T10:30:00.000Z'],
    // annual from 29 Feb 2028
    ['2028-02-29T00:00:00Z', 'annual', '2031-06-01T00:00:00Z', '2031-02-28T00:00:00.000Z', '2032-02-29T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', 'annual', '2032-02-29T00:00:00Z', '2032-02-29T00:00:00.000Z', '2033-02-28T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', 'annual', '2029-02-27T23:59:59Z', '2028-02-29T00:00:00.000Z', '2029-02-28T00:00:00.000Z'],
  ])('when anchored at %s (%s) and at %s, then the period is [%s, %s)', (anchor, interval, at, start, end) => {
    const period = periodContaining(utc(anchor), interval, utc(at));
    expect({ start: period.start.toISOString(), end: period.end.toISOString() }).toEqual({ start, end });
  });

  it('when at is before the anchor, then it throws a RangeError', () => {
    expect(() => periodContaining(utc('2025-01-31T10:30:00Z'), 'monthly', utc('2025-01-31T10:29:59Z'))).toThrow(RangeError);
  });
});

describe('periodSeconds', () => {
  it.each([
    ['Feb 2025', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z', 28 * DAY], // 2_419_200
    ['Feb 2028 (leap)', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z', 29 * DAY], // 2_505_600
    ['Mar 2025', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z', 31 * DAY], // 2_678_400
    ['Apr 2025', '2025-04-01T00:00:00Z', '2025-05-01T00:00:00Z', 30 * DAY], // 2_592_000
    ['2025', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 365 * DAY], // 31_536_000
    ['2028 (leap)', '2028-01-01T00:00:00Z', '2029-01-01T00:00:00Z', 366 * DAY], // 31_622_400
  ])('when the period is %s, then it lasts %i seconds', (_name, start, end, seconds) => {
    expect(periodSeconds({ start: utc(start), end: utc(end) })).toBe(seconds);
  });
});

describe('truncateToSecond', () => {
  it.each([
    ['2025-03-16T10:00:00.999Z', '2025-03-16T10:00:00.000Z'],
    ['2025-03-16T10:00:00.000Z', '2025-03-16T10:00:00.000Z'],
    ['1969-12-31T23:59:59.500Z', '1969-12-31T23:59:59.000Z'], // before the epoch, still toward the past
  ])('when at is %s, then it is %s', (at, expected) => {
    expect(truncateToSecond(utc(at)).toISOString()).toBe(expected);
  });
});
