import { prorate } from './proration';
import type { Period } from './periods';

const period = (start: string, end: string): Period => ({ start: new Date(start), end: new Date(end) });

const MARCH_2025 = period('2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'); // 31 days = 2_678_400 s
const FEB_2025 = period('2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z'); // 28 days = 2_419_200 s
const FEB_2028 = period('2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'); // 29 days = 2_505_600 s
const YEAR_2025 = period('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'); // 365 days = 31_536_000 s
const YEAR_2028 = period('2028-01-01T00:00:00Z', '2029-01-01T00:00:00Z'); // 366 days = 31_622_400 s

describe('prorate', () => {
  it.each<[string, number, Period, string, number]>([
    // 16 of 31 days left: 4900 × 1_382_400 / 2_678_400 = 4900 × 16/31 = 2529.03 → 2529
    ['mid-month', 4_900, MARCH_2025, '2025-03-16T00:00:00Z', 2_529],
    // milliseconds are dropped: the same 1_382_400 s left → 2529
    ['mid-month with milliseconds', 4_900, MARCH_2025, '2025-03-16T00:00:00.999Z', 2_529],
    // all 2_678_400 s left → the full 4900
    ['the first second', 4_900, MARCH_2025, '2025-03-01T00:00:00Z', 4_900],
    // 2_678_399 s left: 4900 − 4900/2_678_400 = 4899.998 → 4900
    ['one second in', 4_900, MARCH_2025, '2025-03-01T00:00:01Z', 4_900],
    // 1 s left: 4900 / 2_678_400 = 0.0018 → 0
    ['the last second', 4_900, MARCH_2025, '2025-03-31T23:59:59Z', 0],
    // 1 s left of 199_000 annual (2028): 199_000 / 31_622_400 = 0.006 → 0
    ['the last second of a year', 199_000, YEAR_2028, '2028-12-31T23:59:59Z', 0],
    ['at the end', 4_900, MARCH_2025, '2025-04-01T00:00:00Z', 0],
    ['after the end', 4_900, MARCH_2025, '2025-05-10T00:00:00Z', 0],
    ['before the start', 4_900, MARCH_2025, '2025-02-20T00:00:00Z', 4_900],
    // Feb 2025, 14 of 28 days left: 4900 × 1_209_600 / 2_419_200 = 4900 × 14/28 = 2450 exactly
    ['15 Feb, non-leap', 4_900, FEB_2025, '2025-02-15T00:00:00Z', 2_450],
    // Feb 2028, 15 of 29 days left: 4900 × 1_296_000 / 2_505_600 = 73_500/29 = 2534.48 → 2534
    ['15 Feb, leap', 4_900, FEB_2028, '2028-02-15T00:00:00Z', 2_534],
    // 2028 has 366 days; from 1 Jul: 31+31+30+31+30+31 = 184 days left:
    // 199_000 × 15_897_600 / 31_622_400 = 199_000 × 184/366 = 36_616_000/366 = 100_043.72 → 100_044
    ['1 Jul of a leap year (annual)', 199_000, YEAR_2028, '2028-07-01T00:00:00Z', 100_044],
    // 2025 has 365 days, also 184 left: 36_616_000/365 = 100_317.81 → 100_318
    ['1 Jul of a common year (annual)', 199_000, YEAR_2025, '2025-07-01T00:00:00Z', 100_318],
    // 13_392 s left (3 h 43 min 12 s): 4900 × 13_392 / 2_678_400 = 49 × 13_392 / 26_784 = 24.5 exactly → 25 (half up)
    ['exactly half a cent', 4_900, MARCH_2025, '2025-03-31T20:16:48Z', 25],
    // one second later, 13_391 s left: 656_159 / 26_784 = 24.498 → 24
    ['just under half a cent', 4_900, MARCH_2025, '2025-03-31T20:16:49Z', 24],
    // 1 s left of 1_339_200: 1_339_200 / 2_678_400 = 0.5 → 1
    ['half a cent in the last second', 1_339_200, MARCH_2025, '2025-03-31T23:59:59Z', 1],
    ['a zero price', 0, MARCH_2025, '2025-03-16T00:00:00Z', 0],
  ])('when %s (%i cents, at %s), then %i cents', (_case, amount, inPeriod, at, expected) => {
    expect(prorate(amount, inPeriod, new Date(at))).toBe(expected);
  });

  it('when amount × seconds would pass 2^53, then it throws rather than round wrong', () => {
    // 10^10 × 31_622_400 ≈ 3.2 × 10^17 > 2^53 ≈ 9.0 × 10^15
    expect(() => prorate(10_000_000_000, YEAR_2028, new Date('2028-01-01T00:00:00Z'))).toThrow(RangeError);
  });

  it.each([-1, 49.5])('when the amount is %d, then it throws a RangeError', (amount) => {
    expect(() => prorate(amount, MARCH_2025, new Date('2025-03-16T00:00:00Z'))).toThrow(RangeError);
  });

  it('when the period is empty, then it throws a RangeError', () => {
    expect(() => prorate(4_900, period('2025-03-01T00:00:00Z', '2025-03-01T00:00:00Z'), new Date('2025-03-01T00:00:00Z'))).toThrow(
      RangeError,
    );
  });
});
