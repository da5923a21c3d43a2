import {
  FEATURES,
  plansByRank,
  toPlanLimitsView,
  UNLIMITED,
  type ComparePlans,
  type Feature,
  type Limit,
  type Plan,
  type PlanView,
} from '@tenantry/contracts';
import type { Pricing } from '../domain';

/** The catalog as a pricing page reads it: the plan with its annual saving and the overage price in force. */
export function toPlanView(plan: Plan, pricing: Pricing): PlanView {
  const twelveMonths = plan.prices.monthly * 12;
  const savedCents = twelveMonths - plan.prices.annual;
  return {
    id: plan.id,
    name: plan.name,
    rank: plan.rank,
    currency: plan.currency,
    prices: { ...plan.prices },
    // One decimal is what a pricing page prints ("save 16.7%"); the cents are exact.
    annual_savings: { cents: savedCents, percent: Math.round((savedCents * 1000) / twelveMonths) / 10 },
    limits: toPlanLimitsView(plan.limits),
    features: [...plan.features],
    sla_target_percent: plan.slaTargetPercent,
    overage_per_thousand_calls_cents: pricing.overagePerThousandCallsCents(plan.id),
  };
}

const FEATURE_LABELS: Record<Feature, string> = {
  ai_assistant: 'AI assistant',
  advanced_analytics: 'Advanced analytics',
  priority_support: 'Priority support',
  custom_domain: 'Custom domain',
  white_label: 'White label',
  dedicated_support: 'Dedicated support',
  custom_integrations: 'Custom integrations',
};

type Row = ComparePlans['rows'][number];
type Cell = Row['values'][PlanView['id']];

/** `GET /compare-plans`: one row per price, saving, limit, feature and SLA, plans side by side, lowest rank first. */
export function comparePlans(pricing: Pricing): ComparePlans {
  const views = plansByRank().map((plan) => toPlanView(plan, pricing));
  const row = (key: string, label: string, kind: Row['kind'], value: (view: PlanView) => Cell): Row => ({
    key,
    label,
    kind,
    values: Object.fromEntries(views.map((view) => [view.id, value(view)])) as Row['values'],
  });
  const limit = (value: Limit) => (value === UNLIMITED ? UNLIMITED : value);
  return {
    currency: 'EUR',
    plans: views.map(({ id, name, rank }) => ({ id, name, rank })),
    rows: [
      row('price.monthly', 'Monthly price (cents)', 'price', (view) => view.prices.monthly),
      row('price.annual', 'Annual price (cents)', 'price', (view) => view.prices.annual),
      row('saving.annual', 'Annual billing saves (cents per year)', 'saving', (view) => view.annual_savings.cents),
      row('saving.annual_percent', 'Annual billing saves (%)', 'saving', (view) => view.annual_savings.percent),
      row('limit.api_calls_per_day', 'API calls per day', 'limit', (view) => limit(view.limits.api_calls_per_day)),
      row('limit.requests_per_minute', 'Requests per minute', 'limit', (view) => limit(view.limits.requests_per_minute)),
      row('limit.users', 'Users', 'limit', (view) => limit(view.limits.users)),
      row('limit.storage_bytes', 'Storage (bytes)', 'limit', (view) => limit(view.limits.storage_bytes)),
      ...FEATURES.map((feature) =>
        row(`feature.${feature}`, FEATURE_LABELS[feature], 'feature', (view) => view.features.includes(feature)),
      ),
      row('sla.target_percent', 'Availability SLA (%)', 'sla', (view) => view.sla_target_percent),
      row('overage.per_thousand_calls', 'Overage per 1,000 calls (cents)', 'overage', (view) => view.overage_per_thousand_calls_cents),
    ],
  };
}
