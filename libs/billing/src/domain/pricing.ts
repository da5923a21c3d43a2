import { PLAN_IDS, planOf, type BillingInterval, type PlanId } from '@tenantry/contracts';
import { assertNonNegativeInteger } from './money';

/** A plan on a billing interval: what a subscription pays for. */
export interface PlanTerm {
  planId: PlanId;
  interval: BillingInterval;
}

/**
 * Prices and overage per plan. The domain asks this rather than the catalog so that an operator's
 * overrides (BILLING_OVERAGE_PRICES) reach every computation through one object.
 */
export interface Pricing {
  /** Integer cents for one full period of the term. */
  priceOf(term: PlanTerm): number;
  /** Integer cents per 1,000 calls above the daily quota, or null when overage is never billed. */
  overagePerThousandCallsCents(planId: PlanId): number | null;
}

/**
 * The catalog's prices, with optional per-plan overage overrides (from config). A plan left out of the
 * overrides (or set to `undefined`) keeps the catalog's overage price; `null` turns overage off for it.
 */
export function catalogPricing(overageOverrides: Partial<Record<PlanId, number | null>> = {}): Pricing {
  const overage = new Map<PlanId, number | null>();
  for (const planId of PLAN_IDS) {
    const override = overageOverrides[planId];
    if (override !== undefined && override !== null) assertNonNegativeInteger(override, `overage price of ${planId}`);
    overage.set(planId, override === undefined ? planOf(planId).overagePerThousandCallsCents : override);
  }
  return {
    priceOf: (term) => planOf(term.planId).prices[term.interval],
    overagePerThousandCallsCents: (planId) => overage.get(planId) ?? null,
  };
}

/** "Pro (monthly)": how a term reads on an invoice. */
export function describeTerm(term: PlanTerm): string {
  return `${planOf(term.planId).name} (${term.interval})`;
}
