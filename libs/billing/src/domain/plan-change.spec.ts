import type { ChangeKind, PlanId } from '@tenantry/contracts';
import type { ChangeTiming, LineDraft } from './lines';
import type { Period } from './periods';
import { allowedTimings, baseFeeLine, cancellationCredit, classifyChange, defaultTiming, immediateChange } from './plan-change';
import { catalogPricing, type PlanTerm } from './pricing';

const pricing = catalogPricing();
const term = (planId: PlanId, interval: PlanTerm['interval']): PlanTerm => ({ planId, interval });
const period = (start: string, end: string): Period => ({ start: new Date(start), end: new Date(end) });
const line = (kind: LineDraft['kind'], description: string, amountCents: number, linePeriod?: Period): LineDraft => ({
  kind,
  description,
  quantity: 1,
  unitAmountCents: amountCents,
  amountCents,
  ...(linePeriod ? { period: linePeriod } : {}),
});
const net = (lines: readonly LineDraft[]): number => lines.reduce((sum, each) => sum + each.amountCents, 0);

const BASIC_MONTHLY = term('basic', 'monthly');
const BASIC_ANNUAL = term('basic', 'annual');
const PRO_MONTHLY = term('pro', 'monthly');
const PRO_ANNUAL = term('pro', 'annual');
const ENTERPRISE_MONTHLY = term('enterprise', 'monthly');
const ENTERPRISE_ANNUAL = term('enterprise', 'annual');

/**
 * A monthly cycle anchored on 1 Feb 2025, in its March period (31 days = 2_678_400 s). From 16 Mar 10:00
 * to 1 Apr 00:00 are 15 days 14 h = 1_346_400 s left, a share of 1_346_400 / 2_678_400 = 187/372:
 *   basic 4900 × 187/372 = 2463.17 → 2463;  pro 19_900 × 187/372 = 10_003.49 → 10_003.
 */
const MONTHLY_ANCHOR = new Date('2025-02-01T00:00:00Z');
const MARCH_2025 = period('2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z');
const MID_MARCH = new Date('2025-03-16T10:00:00Z');
const REST_OF_MARCH = period('2025-03-16T10:00:00Z', '2025-04-01T00:00:00Z');

/** An annual cycle anchored on 1 Jan 2025 (365 days); from 1 Jul, 184 days are left: a share of 184/365. */
const ANNUAL_ANCHOR = new Date('2025-01-01T00:00:00Z');
const YEAR_2025 = period('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
const FIRST_OF_JULY = new Date('2025-07-01T00:00:00Z');
const REST_OF_2025 = period('2025-07-01T00:00:00Z', '2026-01-01T00:00:00Z');

describe('classifyChange', () => {
  it.each<[PlanTerm, PlanTerm, ChangeKind | 'none']>([
    [BASIC_MONTHLY, PRO_MONTHLY, 'upgrade'],
    [PRO_MONTHLY, BASIC_MONTHLY, 'downgrade'],
    [BASIC_ANNUAL, BASIC_MONTHLY, 'interval_change'],
    [BASIC_MONTHLY, BASIC_ANNUAL, 'interval_change'],
    // 49_000 a year → 19_900 a month is cheaper per period, but pro ranks above basic
    [BASIC_ANNUAL, PRO_MONTHLY, 'upgrade'],
    [PRO_ANNUAL, ENTERPRISE_MONTHLY, 'upgrade'],
    [BASIC_MONTHLY, ENTERPRISE_ANNUAL, 'upgrade'],
    [ENTERPRISE_MONTHLY, BASIC_ANNUAL, 'downgrade'],
    [PRO_MONTHLY, PRO_MONTHLY, 'none'],
    [ENTERPRISE_ANNUAL, ENTERPRISE_ANNUAL, 'none'],
  ])('when %o changes to %o, then it is %s', (from, to, kind) => {
    expect(classifyChange(from, to)).toBe(kind);
  });
});

describe('allowedTimings and defaultTiming', () => {
  it.each<[string, ChangeKind, PlanTerm, PlanTerm, ChangeTiming[], ChangeTiming]>([
    ['an upgrade', 'upgrade', BASIC_MONTHLY, PRO_MONTHLY, ['immediate'], 'immediate'],
    ['an upgrade to a shorter interval', 'upgrade', PRO_ANNUAL, ENTERPRISE_MONTHLY, ['immediate'], 'immediate'],
    ['an upgrade to a longer interval', 'upgrade', BASIC_MONTHLY, ENTERPRISE_ANNUAL, ['immediate'], 'immediate'],
    ['a downgrade', 'downgrade', PRO_MONTHLY, BASIC_MONTHLY, ['immediate', 'period_end'], 'period_end'],
    ['a downgrade to a longer interval', 'downgrade', PRO_MONTHLY, BASIC_ANNUAL, ['immediate', 'period_end'], 'period_end'],
    ['monthly → annual', 'interval_change', BASIC_MONTHLY, BASIC_ANNUAL, ['immediate'], 'immediate'],
    ['annual → monthly', 'interval_change', BASIC_ANNUAL, BASIC_MONTHLY, ['immediate', 'period_end'], 'period_end'],
  ])('when the change is %s, then it may be %j and defaults to %s', (_case, kind, from, to, allowed, fallback) => {
    expect(allowedTimings(kind, from, to)).toEqual(allowed);
    expect(defaultTiming(kind, from, to)).toBe(fallback);
  });

  it('when the kind does not match the terms, then it throws a RangeError', () => {
    expect(() => allowedTimings('downgrade', BASIC_MONTHLY, PRO_MONTHLY)).toThrow(RangeError);
    expect(() => defaultTiming('interval_change', PRO_MONTHLY, PRO_MONTHLY)).toThrow(RangeError);
  });
});

describe('immediateChange', () => {
  it('when basic → pro monthly mid-period, then the unused basic is credited and the rest of the period on pro charged, in the same period', () => {
    const change = immediateChange({
      from: BASIC_MONTHLY,
      to: PRO_MONTHLY,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: MID_MARCH,
      pricing,
    });
    expect(change).toEqual({
      lines: [
        line('proration', 'Unused time on Basic (monthly) from 16 Mar 2025 10:00 UTC', -2_463, REST_OF_MARCH),
        line('proration', 'Remaining time on Pro (monthly) from 16 Mar 2025 10:00 UTC', 10_003, REST_OF_MARCH),
      ],
      creditCents: 2_463,
      chargeCents: 10_003,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
    });
    // 10_003 − 2463 = 7540 to pay
    expect(net(change.lines)).toBe(7_540);
  });

  it('when pro → basic monthly is applied at once, then the credit exceeds the charge (net −7540)', () => {
    const change = immediateChange({
      from: PRO_MONTHLY,
      to: BASIC_MONTHLY,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: MID_MARCH,
      pricing,
    });
    expect(change).toEqual({
      lines: [
        line('proration', 'Unused time on Pro (monthly) from 16 Mar 2025 10:00 UTC', -10_003, REST_OF_MARCH),
        line('proration', 'Remaining time on Basic (monthly) from 16 Mar 2025 10:00 UTC', 2_463, REST_OF_MARCH),
      ],
      creditCents: 10_003,
      chargeCents: 2_463,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
    });
    // 2463 − 10_003 = −7540
    expect(net(change.lines)).toBe(-7_540);
  });

  it('when upgraded on 16 Mar and downgraded back on 24 Mar, then the two changes together bill about 8 days of the difference', () => {
    const upgrade = immediateChange({
      from: BASIC_MONTHLY,
      to: PRO_MONTHLY,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: MID_MARCH,
      pricing,
    });
    const downgrade = immediateChange({
      from: PRO_MONTHLY,
      to: BASIC_MONTHLY,
      anchor: upgrade.anchor,
      period: upgrade.period,
      at: new Date('2025-03-24T10:00:00Z'),
      pricing,
    });
    // From 24 Mar 10:00: 7 days 14 h = 655_200 s left, 655_200 / 2_678_400 = 91/372:
    // pro 19_900 × 91/372 = 4868.01 → 4868 credited; basic 4900 × 91/372 = 1198.66 → 1199 charged; net −3669
    expect(downgrade).toMatchObject({ creditCents: 4_868, chargeCents: 1_199, anchor: MONTHLY_ANCHOR, period: MARCH_2025 });
    expect(downgrade.lines.map((each) => each.description)).toEqual([
      'Unused time on Pro (monthly) from 24 Mar 2025 10:00 UTC',
      'Remaining time on Basic (monthly) from 24 Mar 2025 10:00 UTC',
    ]);
    // 7540 − 3669 = 3871; check: 8 of 31 days of (19_900 − 4900) = 15_000 × 8/31 = 3870.97
    expect(net(upgrade.lines) + net(downgrade.lines)).toBe(3_871);
  });

  it('when monthly → annual, then the unused month is credited and a new annual cycle starts at the change, to the second', () => {
    const change = immediateChange({
      from: BASIC_MONTHLY,
      to: BASIC_ANNUAL,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: new Date('2025-03-16T10:00:00.250Z'),
      pricing,
    });
    const firstYear = period('2025-03-16T10:00:00Z', '2026-03-16T10:00:00Z');
    expect(change).toEqual({
      lines: [
        // milliseconds dropped: the same 1_346_400 s left → 2463
        line('proration', 'Unused time on Basic (monthly) from 16 Mar 2025 10:00 UTC', -2_463, REST_OF_MARCH),
        line('subscription', 'Basic (annual), 16 Mar 2025 – 16 Mar 2026', 49_000, firstYear),
      ],
      creditCents: 2_463,
      chargeCents: 49_000,
      anchor: new Date('2025-03-16T10:00:00Z'),
      period: firstYear,
    });
    // 49_000 − 2463
    expect(net(change.lines)).toBe(46_537);
  });

  it('when annual → monthly at once, then the unused year is credited and a new monthly cycle starts at the change (net negative)', () => {
    const change = immediateChange({
      from: BASIC_ANNUAL,
      to: BASIC_MONTHLY,
      anchor: ANNUAL_ANCHOR,
      period: YEAR_2025,
      at: FIRST_OF_JULY,
      pricing,
    });
    const july = period('2025-07-01T00:00:00Z', '2025-08-01T00:00:00Z');
    expect(change).toEqual({
      lines: [
        // 49_000 × 184/365 = 24_701.37 → 24_701
        line('proration', 'Unused time on Basic (annual) from 1 Jul 2025 00:00 UTC', -24_701, REST_OF_2025),
        line('subscription', 'Basic (monthly), 1 Jul 2025 – 1 Aug 2025', 4_900, july),
      ],
      creditCents: 24_701,
      chargeCents: 4_900,
      anchor: FIRST_OF_JULY,
      period: july,
    });
    // 4900 − 24_701
    expect(net(change.lines)).toBe(-19_801);
  });

  it('when basic monthly → enterprise annual, then it is an upgrade that starts an annual cycle and charges the full year', () => {
    const change = immediateChange({
      from: BASIC_MONTHLY,
      to: ENTERPRISE_ANNUAL,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: MID_MARCH,
      pricing,
    });
    const firstYear = period('2025-03-16T10:00:00Z', '2026-03-16T10:00:00Z');
    expect(change).toEqual({
      lines: [
        line('proration', 'Unused time on Basic (monthly) from 16 Mar 2025 10:00 UTC', -2_463, REST_OF_MARCH),
        line('subscription', 'Enterprise (annual), 16 Mar 2025 – 16 Mar 2026', 999_000, firstYear),
      ],
      creditCents: 2_463,
      chargeCents: 999_000,
      anchor: MID_MARCH,
      period: firstYear,
    });
    // 999_000 − 2463
    expect(net(change.lines)).toBe(996_537);
  });

  it('when pro annual → enterprise monthly, then the upgrade may still leave a credit (the year left is worth more than a month)', () => {
    const change = immediateChange({
      from: PRO_ANNUAL,
      to: ENTERPRISE_MONTHLY,
      anchor: ANNUAL_ANCHOR,
      period: YEAR_2025,
      at: FIRST_OF_JULY,
      pricing,
    });
    // 199_000 × 184/365 = 100_317.81 → 100_318 credited; 99_900 charged; 99_900 − 100_318 = −418
    expect(change).toMatchObject({
      creditCents: 100_318,
      chargeCents: 99_900,
      anchor: FIRST_OF_JULY,
      period: period('2025-07-01T00:00:00Z', '2025-08-01T00:00:00Z'),
    });
    expect(net(change.lines)).toBe(-418);
  });

  it('when changed in the last second of the period, then both prorations round to 0 and there are no lines', () => {
    // 1 s left: 4900 / 2_678_400 = 0.002 → 0; 19_900 / 2_678_400 = 0.007 → 0
    const change = immediateChange({
      from: BASIC_MONTHLY,
      to: PRO_MONTHLY,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: new Date('2025-03-31T23:59:59Z'),
      pricing,
    });
    expect(change).toEqual({ lines: [], creditCents: 0, chargeCents: 0, anchor: MONTHLY_ANCHOR, period: MARCH_2025 });
  });

  it.each([
    ['at the end of the period', '2025-04-01T00:00:00Z'],
    ['before the period', '2025-02-28T23:59:59Z'],
  ])('when the change is %s, then it throws a RangeError', (_case, at) => {
    expect(() =>
      immediateChange({ from: BASIC_MONTHLY, to: PRO_MONTHLY, anchor: MONTHLY_ANCHOR, period: MARCH_2025, at: new Date(at), pricing }),
    ).toThrow(RangeError);
  });

  it('when the terms are the same, then it throws a RangeError', () => {
    expect(() =>
      immediateChange({ from: PRO_MONTHLY, to: PRO_MONTHLY, anchor: MONTHLY_ANCHOR, period: MARCH_2025, at: MID_MARCH, pricing }),
    ).toThrow(RangeError);
  });

  it('when an overage override is configured, then prices still come from the catalog', () => {
    const change = immediateChange({
      from: BASIC_MONTHLY,
      to: PRO_MONTHLY,
      anchor: MONTHLY_ANCHOR,
      period: MARCH_2025,
      at: MID_MARCH,
      pricing: catalogPricing({ basic: 1, pro: null }),
    });
    expect(change).toMatchObject({ creditCents: 2_463, chargeCents: 10_003 });
  });
});

describe('cancellationCredit', () => {
  it.each<[string, PlanTerm, Period, string, LineDraft[], number]>([
    // 4900 × 187/372 = 2463.17 → 2463
    [
      'mid-month',
      BASIC_MONTHLY,
      MARCH_2025,
      '2025-03-16T10:00:00Z',
      [line('proration', 'Unused time on Basic (monthly) from 16 Mar 2025 10:00 UTC', -2_463, REST_OF_MARCH)],
      2_463,
    ],
    // leap year 2028, 184 of 366 days left: 199_000 × 184/366 = 100_043.72 → 100_044
    [
      'mid-year (leap)',
      PRO_ANNUAL,
      period('2028-01-01T00:00:00Z', '2029-01-01T00:00:00Z'),
      '2028-07-01T00:00:00Z',
      [
        line(
          'proration',
          'Unused time on Pro (annual) from 1 Jul 2028 00:00 UTC',
          -100_044,
          period('2028-07-01T00:00:00Z', '2029-01-01T00:00:00Z'),
        ),
      ],
      100_044,
    ],
    // the whole month unused
    [
      'at the first second',
      BASIC_MONTHLY,
      MARCH_2025,
      '2025-03-01T00:00:00Z',
      [line('proration', 'Unused time on Basic (monthly) from 1 Mar 2025 00:00 UTC', -4_900, MARCH_2025)],
      4_900,
    ],
    // 1 s left: 4900 / 2_678_400 = 0.002 → 0, no line
    ['in the last second', BASIC_MONTHLY, MARCH_2025, '2025-03-31T23:59:59Z', [], 0],
  ])('when cancelled %s, then the unused part is credited', (_case, cancelled, inPeriod, at, lines, creditCents) => {
    expect(cancellationCredit({ term: cancelled, period: inPeriod, at: new Date(at), pricing })).toEqual({ lines, creditCents });
  });
});

describe('baseFeeLine', () => {
  it.each<[PlanTerm, Period, LineDraft]>([
    [
      PRO_MONTHLY,
      period('2025-03-16T10:00:00Z', '2025-04-16T10:00:00Z'),
      line('subscription', 'Pro (monthly), 16 Mar 2025 – 16 Apr 2025', 19_900, period('2025-03-16T10:00:00Z', '2025-04-16T10:00:00Z')),
    ],
    [
      PRO_ANNUAL,
      period('2025-03-16T10:00:00Z', '2026-03-16T10:00:00Z'),
      line('subscription', 'Pro (annual), 16 Mar 2025 – 16 Mar 2026', 199_000, period('2025-03-16T10:00:00Z', '2026-03-16T10:00:00Z')),
    ],
    [
      BASIC_MONTHLY,
      period('2025-01-31T00:00:00Z', '2025-02-28T00:00:00Z'),
      line('subscription', 'Basic (monthly), 31 Jan 2025 – 28 Feb 2025', 4_900, period('2025-01-31T00:00:00Z', '2025-02-28T00:00:00Z')),
    ],
  ])('when billing %o in advance, then one full-price subscription line', (billed, inPeriod, expected) => {
    expect(baseFeeLine(billed, inPeriod, pricing)).toEqual(expected);
  });
});
