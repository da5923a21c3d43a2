import type { PlanId } from '../events/schemas/common';

/** A limit that some plans lift entirely. Kept distinct from any number so no code mistakes it for "0" or "huge". */
export const UNLIMITED = 'unlimited' as const;
export type Limit = number | typeof UNLIMITED;

export const FEATURES = [
  'ai_assistant',
  'advanced_analytics',
  'priority_support',
  'custom_domain',
  'white_label',
  'dedicated_support',
  'custom_integrations',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface PlanLimits {
  /** Gateway requests per tenant per calendar day in the tenant's time zone (hard limit). */
  apiCallsPerDay: Limit;
  /** Gateway requests per tenant per minute. */
  requestsPerMinute: Limit;
  users: Limit;
  storageBytes: Limit;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** Orders plans: a change to a higher rank is an upgrade, whatever the prices per day. */
  rank: number;
  currency: 'EUR';
  /** Integer cents. */
  prices: { monthly: number; annual: number };
  limits: PlanLimits;
  features: readonly Feature[];
  /** Monthly availability target in percent, or null for no SLA. */
  slaTargetPercent: number | null;
  /**
   * Price of API calls above the daily quota, in integer cents per 1,000 calls (prorated per call), or
   * null when overage is never billed. The gateway refuses calls above the quota (hard limit), so overage
   * only arises when that limit was not enforced (quota disabled, limiter failing open). Billing lets an
   * operator override it per plan (BILLING_OVERAGE_PRICES).
   */
  overagePerThousandCallsCents: number | null;
}

const GB = 1024 ** 3;

/**
 * The plan catalog (MISSION §4 "billing"): data, not code branches. Every service reads limits and
 * features from here until billing owns subscriptions; code asks `planFeatures`/`hasFeature`, never
 * `plan.id === 'pro'`.
 */
export const PLAN_CATALOG: Readonly<Record<PlanId, Plan>> = {
  basic: {
    id: 'basic',
    name: 'Basic',
    rank: 1,
    currency: 'EUR',
    prices: { monthly: 4_900, annual: 49_000 },
    limits: { apiCallsPerDay: 1_000, requestsPerMinute: 10, users: 5, storageBytes: 1 * GB },
    features: [],
    slaTargetPercent: null,
    overagePerThousandCallsCents: 500,
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    rank: 2,
    currency: 'EUR',
    prices: { monthly: 19_900, annual: 199_000 },
    limits: { apiCallsPerDay: 10_000, requestsPerMinute: 100, users: 50, storageBytes: 10 * GB },
    features: ['ai_assistant', 'advanced_analytics', 'priority_support', 'custom_domain'],
    slaTargetPercent: 99.9,
    overagePerThousandCallsCents: 300,
  },
  enterprise: {
    id: 'enterprise',
    name: 'Enterprise',
    rank: 3,
    currency: 'EUR',
    prices: { monthly: 99_900, annual: 999_000 },
    limits: { apiCallsPerDay: UNLIMITED, requestsPerMinute: UNLIMITED, users: UNLIMITED, storageBytes: UNLIMITED },
    features: [...FEATURES],
    slaTargetPercent: 99.99,
    overagePerThousandCallsCents: null,
  },
};

export function planOf(id: PlanId): Plan {
  return PLAN_CATALOG[id];
}

export function hasFeature(id: PlanId, feature: Feature): boolean {
  return PLAN_CATALOG[id].features.includes(feature);
}

/** Every plan, lowest rank first. */
export function plansByRank(): Plan[] {
  return Object.values(PLAN_CATALOG).sort((a, b) => a.rank - b.rank);
}

/** The lowest-ranked plan that includes `feature` (for "upgrade to … to use this" messages). */
export function lowestPlanWith(feature: Feature): Plan | undefined {
  return plansByRank().find((plan) => plan.features.includes(feature));
}

/** True when `used` is within `limit` (anything is within UNLIMITED). */
export function withinLimit(used: number, limit: Limit): boolean {
  return limit === UNLIMITED || used <= limit;
}
