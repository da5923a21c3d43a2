import { UNLIMITED, type Limit } from '@tenantry/contracts';
import { overage, overageLine, type UsageDay } from './overage';
import type { Period } from './periods';

const days = (...calls: number[]): UsageDay[] =>
  calls.map((count, index) => ({ date: `2025-03-${String(index + 1).padStart(2, '0')}`, calls: count }));

describe('overage', () => {
  it('when a day is under, at and over a quota of 1,000, then only the calls above it count, per day and in total', () => {
    // 999 → 0, 1000 → 0, 1001 → 1, 2500 → 1500; total 1501 × 500 / 1000 = 750.5 → 751 (half up)
    expect(overage(days(999, 1_000, 1_001, 2_500), 1_000, 500)).toEqual({
      days: [
        { date: '2025-03-01', calls: 999, quota: 1_000, overageCalls: 0 },
        { date: '2025-03-02', calls: 1_000, quota: 1_000, overageCalls: 0 },
        { date: '2025-03-03', calls: 1_001, quota: 1_000, overageCalls: 1 },
        { date: '2025-03-04', calls: 2_500, quota: 1_000, overageCalls: 1_500 },
      ],
      overageCalls: 1_501,
      amountCents: 751,
    });
  });

  it('when the quota is unlimited, then no call is over it and nothing is owed', () => {
    expect(overage(days(5_000, 100_000), UNLIMITED, 500)).toEqual({
      days: [
        { date: '2025-03-01', calls: 5_000, quota: 'unlimited', overageCalls: 0 },
        { date: '2025-03-02', calls: 100_000, quota: 'unlimited', overageCalls: 0 },
      ],
      overageCalls: 0,
      amountCents: 0,
    });
  });

  it('when overage is not billed (null price), then the calls over the quota are still counted but nothing is owed', () => {
    // 2500 − 1000 = 1500 over
    expect(overage(days(2_500), 1_000, null)).toMatchObject({ overageCalls: 1_500, amountCents: 0 });
  });

  it.each<[string, number[], Limit, number, number, number]>([
    // 1 × 300 / 1000 = 0.3 → 0
    ['0.3 cents', [10_001], 10_000, 300, 1, 0],
    // 2 × 300 / 1000 = 0.6 → 1
    ['0.6 cents', [10_002], 10_000, 300, 2, 1],
    // 5 × 300 / 1000 = 1.5 → 2 (half up)
    ['1.5 cents', [10_005], 10_000, 300, 5, 2],
    // 1 × 500 / 1000 = 0.5 → 1 (half up)
    ['0.5 cents', [1_001], 1_000, 500, 1, 1],
    // 1234 × 300 / 1000 = 370.2 → 370
    ['370.2 cents', [11_234], 10_000, 300, 1_234, 370],
    // rounded once on the total: 3 days of 1 call × 300 = 0.9 → 1 (per-day rounding would give 0)
    ['three days of 0.3 cents', [10_001, 10_001, 10_001], 10_000, 300, 3, 1],
    ['no days', [], 1_000, 500, 0, 0],
  ])('when the overage is %s, then it rounds half up to a cent', (_case, calls, quota, price, overageCalls, amountCents) => {
    expect(overage(days(...calls), quota, price)).toMatchObject({ overageCalls, amountCents });
  });

  it('when a day has a negative count, then it throws a RangeError', () => {
    expect(() => overage(days(-1), 1_000, 500)).toThrow(RangeError);
  });
});

describe('overageLine', () => {
  const MARCH: Period = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-04-01T00:00:00Z') };

  it('when there is an amount, then one overage line carries the calls as quantity and the price per 1,000 as unit', () => {
    expect(overageLine({ planId: 'basic', period: MARCH, overageCalls: 1_501, perThousandCallsCents: 500, amountCents: 751 })).toEqual([
      {
        kind: 'overage',
        description: 'API calls over the daily quota (1,501 calls)',
        quantity: 1_501,
        unitAmountCents: 500,
        amountCents: 751,
        period: MARCH,
      },
    ]);
  });

  it('when a single call is over, then the description says "1 call"', () => {
    expect(
      overageLine({ planId: 'basic', period: MARCH, overageCalls: 1, perThousandCallsCents: 500, amountCents: 1 })[0]?.description,
    ).toBe('API calls over the daily quota (1 call)');
  });

  it('when a million calls are over, then the count is grouped by thousands', () => {
    // 1_234_567 × 300 / 1000 = 370_370.1 → 370_370
    expect(
      overageLine({ planId: 'pro', period: MARCH, overageCalls: 1_234_567, perThousandCallsCents: 300, amountCents: 370_370 })[0]
        ?.description,
    ).toBe('API calls over the daily quota (1,234,567 calls)');
  });

  it.each<[string, number, number | null]>([
    ['calls rounded to 0 cents', 1, 300],
    ['no price', 1_500, null],
    ['no calls', 0, 500],
  ])('when the amount is 0 (%s), then there is no line', (_case, overageCalls, perThousandCallsCents) => {
    expect(overageLine({ planId: 'pro', period: MARCH, overageCalls, perThousandCallsCents, amountCents: 0 })).toEqual([]);
  });
});
