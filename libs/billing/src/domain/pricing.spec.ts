import type { PlanId } from '@tenantry/contracts';
import { catalogPricing, describeTerm, type PlanTerm } from './pricing';

describe('catalogPricing', () => {
  it.each<[PlanTerm, number]>([
    [{ planId: 'basic', interval: 'monthly' }, 4_900],
    [{ planId: 'basic', interval: 'annual' }, 49_000],
    [{ planId: 'pro', interval: 'monthly' }, 19_900],
    [{ planId: 'pro', interval: 'annual' }, 199_000],
    [{ planId: 'enterprise', interval: 'monthly' }, 99_900],
    [{ planId: 'enterprise', interval: 'annual' }, 999_000],
  ])('when the term is %o, then one period costs %i cents (MISSION §4 catalog)', (term, cents) => {
    expect(catalogPricing().priceOf(term)).toBe(cents);
  });

  it('when there are no overrides, then overage is the catalog price (basic 500, pro 300, enterprise never)', () => {
    const pricing = catalogPricing();
    expect([
      pricing.overagePerThousandCallsCents('basic'),
      pricing.overagePerThousandCallsCents('pro'),
      pricing.overagePerThousandCallsCents('enterprise'),
    ]).toEqual([500, 300, null]);
  });

  it('when a plan is overridden, then its overage price is the override (null turns it off) and the others keep the catalog', () => {
    const pricing = catalogPricing({ basic: 250, pro: null });
    expect([
      pricing.overagePerThousandCallsCents('basic'),
      pricing.overagePerThousandCallsCents('pro'),
      pricing.overagePerThousandCallsCents('enterprise'),
    ]).toEqual([250, null, null]);
  });

  it('when a plan without overage is given a price, then it has one', () => {
    expect(catalogPricing({ enterprise: 100 }).overagePerThousandCallsCents('enterprise')).toBe(100);
  });

  it.each<[Partial<Record<PlanId, number | null>>]>([[{ basic: -1 }], [{ pro: 2.5 }]])(
    'when an override is %o, then it throws a RangeError',
    (overrides) => {
      expect(() => catalogPricing(overrides)).toThrow(RangeError);
    },
  );
});

describe('describeTerm', () => {
  it.each<[PlanTerm, string]>([
    [{ planId: 'basic', interval: 'monthly' }, 'Basic (monthly)'],
    [{ planId: 'pro', interval: 'monthly' }, 'Pro (monthly)'],
    [{ planId: 'enterprise', interval: 'annual' }, 'Enterprise (annual)'],
  ])('when the term is %o, then it reads "%s"', (term, text) => {
    expect(describeTerm(term)).toBe(text);
  });
});
