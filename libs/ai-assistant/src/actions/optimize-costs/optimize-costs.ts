import { FEATURES, planOf, plansByRank, UNLIMITED, type BillingInterval, type Feature, type PlanId } from '@tenantry/contracts';
import { z } from 'zod';
import { defineAction } from '../action';
import { analysisWindow, dailySeries, windowStart, type DailyTotals } from '../daily-series';

export const optimizeCostsParameters = z.strictObject({
  lookback_days: z.number().int().min(1).max(365).default(30),
  /** Features the tenant cannot do without: a plan without one of them is never recommended. */
  required_features: z.array(z.enum(FEATURES)).max(FEATURES.length).default([]),
  /** A plan fits when its daily quota covers the busiest day times this (room to grow). */
  headroom: z.number().min(1).max(10).default(1.2),
});
export type OptimizeCostsParameters = z.output<typeof optimizeCostsParameters>;

/** Average days per month (365.25 / 12), to turn a daily figure into a monthly one. */
const DAYS_PER_MONTH = 30.4375;

interface OptimizeCostsInputs {
  series: DailyTotals[];
  plan_id: PlanId | null;
  interval: BillingInterval;
}

export const optimizeCosts = defineAction({
  name: 'optimize_costs',
  summary:
    "Right-size your plan from your actual daily usage against each plan's quota, price and overage, and what annual billing saves (euro cents from the catalog)",
  parameters: optimizeCostsParameters,
  requiredFeature: 'ai_assistant',
  reads: ['usage per day and route (metric.recorded)', 'plan and billing interval (subscription.*)', 'plan catalog'],
  async load(context, parameters, tracker): Promise<OptimizeCostsInputs> {
    await context.progress(10, 'reading usage and plan');
    const [days, plan] = await Promise.all([
      context.models.usageOf(context.tenantId, tracker, windowStart(context.now, parameters.lookback_days)),
      context.models.planOf(context.tenantId, tracker),
    ]);
    const today = context.now.toISOString().slice(0, 10);
    const window = analysisWindow(days, today, parameters.lookback_days);
    return {
      series: window ? dailySeries(days, window.from, window.to) : [],
      plan_id: plan?.plan_id ?? context.planId ?? null,
      interval: plan?.interval ?? 'monthly',
    };
  },
  compute: (inputs, parameters) => rightSize(inputs, parameters),
});

/** The price of a year on `plan` billed at `interval`, in cents. */
function yearlyCents(planId: PlanId, interval: BillingInterval): number {
  const { prices } = planOf(planId);
  return interval === 'annual' ? prices.annual : prices.monthly * 12;
}

export function rightSize(inputs: OptimizeCostsInputs, parameters: OptimizeCostsParameters) {
  const demand = inputs.series.map((d) => d.requests);
  const peak = demand.reduce((max, v) => Math.max(max, v), 0);
  const meanPerDay = demand.length === 0 ? 0 : demand.reduce((s, v) => s + v, 0) / demand.length;
  const needed = Math.ceil(peak * parameters.headroom);

  const plans = plansByRank().map((plan) => {
    const quota = plan.limits.apiCallsPerDay;
    const overQuotaPerDay =
      quota === UNLIMITED || demand.length === 0 ? 0 : demand.reduce((s, v) => s + Math.max(0, v - quota), 0) / demand.length;
    const overQuotaPerMonth = Math.round(overQuotaPerDay * DAYS_PER_MONTH);
    const missing = parameters.required_features.filter((feature) => !plan.features.includes(feature));
    return {
      plan_id: plan.id,
      daily_quota: quota,
      monthly_price_cents: plan.prices.monthly,
      annual_price_cents: plan.prices.annual,
      fits_peak_with_headroom: quota === UNLIMITED || needed <= quota,
      days_over_quota: quota === UNLIMITED ? 0 : demand.filter((v) => v > quota).length,
      calls_over_quota_per_month: overQuotaPerMonth,
      /** What those calls would cost as overage were the quota not enforced (null: this plan never bills overage). */
      overage_per_month_cents:
        plan.overagePerThousandCallsCents === null ? null : Math.round((overQuotaPerMonth * plan.overagePerThousandCallsCents) / 1000),
      missing_required_features: missing,
      features_lost_vs_current: inputs.plan_id ? planOf(inputs.plan_id).features.filter((f) => !plan.features.includes(f as Feature)) : [],
    };
  });

  const current = inputs.plan_id;
  const candidates = plans.filter((p) => p.fits_peak_with_headroom && p.missing_required_features.length === 0);
  // The cheapest plan that carries the busiest day with headroom; with no history there is nothing to size from.
  const recommended = demand.length === 0 ? null : (candidates.sort((a, b) => a.annual_price_cents - b.annual_price_cents)[0] ?? null);
  const recommendedId = recommended?.plan_id ?? current;
  const currentYearly = current ? yearlyCents(current, inputs.interval) : null;
  const recommendedYearly = recommendedId ? yearlyCents(recommendedId, 'annual') : null;
  const action =
    !recommended || !current
      ? 'keep'
      : recommended.plan_id === current
        ? 'keep'
        : planOf(recommended.plan_id).rank < planOf(current).rank
          ? 'downgrade'
          : 'upgrade';

  return {
    inputs: {
      plan_id: current,
      interval: inputs.interval,
      lookback_days: parameters.lookback_days,
      days_with_data: demand.length,
      required_features: parameters.required_features,
      headroom: parameters.headroom,
    },
    figures: { peak_requests_per_day: peak, mean_requests_per_day: Math.round(meanPerDay * 100) / 100, needed_daily_quota: needed, plans },
    recommendation: {
      action,
      plan_id: recommendedId,
      interval: 'annual' as const,
      current_yearly_cents: currentYearly,
      recommended_yearly_cents: recommendedYearly,
      annual_savings_cents: currentYearly !== null && recommendedYearly !== null ? currentYearly - recommendedYearly : null,
      /** Staying on the current plan, only switching to annual billing. */
      annual_billing_savings_cents:
        current && inputs.interval === 'monthly' ? yearlyCents(current, 'monthly') - yearlyCents(current, 'annual') : 0,
      currency: 'EUR',
      features_lost: recommended && current ? recommended.features_lost_vs_current : [],
      reason: reasonOf(demand.length, action, peak, needed, recommended?.plan_id ?? null),
    },
    method:
      `Demand = requests per day (429s included: they were wanted). A plan fits when its daily quota ≥ busiest day × ${parameters.headroom} and it has every required feature; ` +
      'the recommendation is the fitting plan with the lowest annual price. Prices, quotas and overage come from the plan catalog; ' +
      `monthly figures are daily averages × ${DAYS_PER_MONTH}. Savings compare a year at the current plan and interval with a year of the recommended plan billed annually.`,
  };
}

function reasonOf(days: number, action: string, peak: number, needed: number, planId: PlanId | null): string {
  if (days === 0) return 'No usage recorded yet: keep the current plan until there is history to size from.';
  if (planId === null) return `No plan carries ${needed} calls a day with the required features.`;
  return `The busiest day had ${peak} calls; with headroom that needs ${needed} a day, which the ${planOf(planId).name} plan carries (${action}).`;
}
