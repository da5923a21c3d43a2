import { PLAN_IDS, planOf, UNLIMITED, type PlanId } from '@tenantry/contracts';
import { z } from 'zod';
import type { InvoiceRecord } from '../../read-models/invoice.collection';
import type { TenantPlan } from '../../read-models/plan.collection';
import { defineAction } from '../action';
import { round } from '../analyze-usage/statistics';
import { analysisWindow, dailySeries, windowStart, type DailyTotals } from '../daily-series';
import { invoiceTotals } from '../invoice-status';
import { monthlyRecurringCents, mrrHistory, mrrMovement } from './recurring-revenue';

export const generateInsightsParameters = z.strictObject({
  /** `platform`: MRR by plan, tenants by plan and status, ARPA and MRR movement over every tenant (the platform admin only). */
  scope: z.enum(['tenant', 'platform']).default('tenant'),
  /** The window of the usage figures and of the MRR movement, today included. */
  lookback_days: z.number().int().min(1).max(365).default(30),
});
export type GenerateInsightsParameters = z.output<typeof generateInsightsParameters>;

type PlanState = Pick<TenantPlan, 'plan_id' | 'interval' | 'status' | 'since' | 'changes'>;

interface TenantInsightsInputs {
  scope: 'tenant';
  tenant_id: string;
  plan: PlanState | null;
  /** The plan the task was queued under, when no subscription event was seen. */
  queued_plan_id: PlanId | null;
  invoices: InvoiceRecord[];
  series: DailyTotals[];
}

interface PlatformInsightsInputs {
  scope: 'platform';
  plans: Array<PlanState & { tenant_id: string }>;
  invoices: InvoiceRecord[];
  truncated: boolean;
}

export const generateInsights = defineAction({
  name: 'generate_insights',
  summary:
    'Business figures with what each is computed from: your plan, MRR (annual ÷ 12), invoices paid/open/overdue, usage against quota; for the admin, platform MRR by plan, tenants by plan and status, ARPA and net MRR movement (new, expansion, contraction, churn)',
  parameters: generateInsightsParameters,
  requiredFeature: 'ai_assistant',
  reads: [
    'plan and its changes (subscription.*)',
    'invoices and payments (invoice.*)',
    'usage per day and route (metric.recorded)',
    'plan catalog',
  ],
  adminOnlyParameter: (parameters) => (parameters.scope === 'platform' ? 'scope' : null),
  async load(context, parameters, tracker): Promise<TenantInsightsInputs | PlatformInsightsInputs> {
    if (parameters.scope === 'platform') {
      if (context.requestedBy !== 'admin') throw new Error('Platform-wide insights are for the platform admin only.');
      await context.progress(10, 'reading every tenant’s plan and invoices');
      const [plans, invoices] = await Promise.all([
        context.models.plansAcrossTenants(tracker),
        context.models.invoicesAcrossTenants(tracker),
      ]);
      return {
        scope: 'platform',
        plans: plans.items.map((p) => ({ tenant_id: p.tenantId, ...planState(p) })).sort((a, b) => a.tenant_id.localeCompare(b.tenant_id)),
        invoices: invoices.items,
        truncated: plans.truncated || invoices.truncated,
      };
    }
    await context.progress(10, 'reading plan, invoices and usage');
    const [plan, invoices, days] = await Promise.all([
      context.models.planOf(context.tenantId, tracker),
      context.models.invoicesOf(context.tenantId, tracker),
      context.models.usageOf(context.tenantId, tracker, windowStart(context.now, parameters.lookback_days)),
    ]);
    const today = context.now.toISOString().slice(0, 10);
    const window = analysisWindow(days, today, parameters.lookback_days);
    return {
      scope: 'tenant',
      tenant_id: context.tenantId,
      plan: plan ? planState(plan) : null,
      queued_plan_id: context.planId ?? null,
      invoices,
      series: window ? dailySeries(days, window.from, window.to) : [],
    };
  },
  compute: (inputs, parameters, context) =>
    inputs.scope === 'platform' ? platformInsights(inputs, parameters, context.now) : tenantInsights(inputs, parameters, context.now),
});

function planState(plan: TenantPlan): PlanState {
  return { plan_id: plan.plan_id, interval: plan.interval, status: plan.status, since: plan.since, changes: plan.changes };
}

const MRR_METHOD =
  'MRR (ProfitWell/Baremetrics convention): a monthly plan’s list price, an annual plan’s price ÷ 12 rounded to the cent; trialing and cancelled subscriptions count 0. ' +
  'Movement over the window replays the subscription changes by revision: 0 → more is new (reactivation after an earlier paid spell), more → 0 churn, else expansion or contraction by the difference; ' +
  'MRR at the start + net movement = MRR now. Prices from the plan catalog, in euro cents.';

function windowStartOf(now: Date, lookbackDays: number): string {
  return `${windowStart(now, lookbackDays)}T00:00:00.000Z`;
}

export function tenantInsights(inputs: TenantInsightsInputs, parameters: GenerateInsightsParameters, now: Date) {
  const plan = inputs.plan;
  const from = windowStartOf(now, parameters.lookback_days);
  const subscription = plan
    ? {
        plan_id: plan.plan_id,
        interval: plan.interval,
        status: plan.status,
        since: plan.since,
        list_price_cents: planOf(plan.plan_id).prices[plan.interval],
        mrr_cents: monthlyRecurringCents(plan.plan_id, plan.interval, plan.status),
        mrr_formula:
          plan.status !== 'active'
            ? `${plan.status}: 0`
            : plan.interval === 'annual'
              ? `${planOf(plan.plan_id).prices.annual} / 12`
              : `${planOf(plan.plan_id).prices.monthly} monthly`,
      }
    : null;
  const invoices = invoiceTotals(inputs.invoices, now);
  const usage = usageAgainstQuota(inputs.series, plan?.plan_id ?? inputs.queued_plan_id);
  const movement = plan ? mrrMovement([{ tenant_id: inputs.tenant_id, history: mrrHistory(plan.changes) }], from) : null;
  const notes = [
    ...(plan ? [] : ['No subscription event seen for this tenant: no plan or MRR figures.']),
    ...(inputs.invoices.length ? [] : ['No invoice event seen for this tenant: no invoice figures.']),
    ...(inputs.series.length ? [] : [`No usage recorded in the last ${parameters.lookback_days} days.`]),
  ];
  return {
    inputs: {
      scope: 'tenant' as const,
      tenant_id: inputs.tenant_id,
      lookback_days: parameters.lookback_days,
      from: from.slice(0, 10),
      to: now.toISOString().slice(0, 10),
    },
    subscription,
    invoices: inputs.invoices.length ? invoices : null,
    usage,
    mrr_movement: movement,
    notes,
    summary: [
      subscription
        ? `${planOf(subscription.plan_id).name} (${subscription.interval}, ${subscription.status}): MRR ${subscription.mrr_cents} cents.`
        : null,
      inputs.invoices.length
        ? `Invoices: ${invoices.paid.count} paid (${invoices.paid.amount_cents} cents), ${invoices.open.count} open (${invoices.open.amount_cents}), ${invoices.overdue.count} overdue (${invoices.overdue.amount_cents}).`
        : null,
      usage.days_with_data
        ? `Usage: ${usage.total_requests} requests in ${usage.days_with_data} days, peak ${usage.peak_requests_per_day}${usage.daily_quota === UNLIMITED || usage.daily_quota === null ? '' : ` of a ${usage.daily_quota} daily quota`}.`
        : null,
    ]
      .filter((part) => part !== null)
      .join(' '),
    method:
      MRR_METHOD +
      ' Invoices: paid once invoice.paid was seen, overdue once invoice.overdue was seen or past the due date unpaid, else open; credit notes apart. ' +
      'Usage: requests per day from the first day with data in the window to today (quiet days 0) against the plan’s daily quota.',
  };
}

function usageAgainstQuota(series: readonly DailyTotals[], planId: PlanId | null) {
  const quota = planId ? planOf(planId).limits.apiCallsPerDay : null;
  const total = series.reduce((sum, d) => sum + d.requests, 0);
  const peak = series.reduce((best, d) => (d.requests > (best?.requests ?? -1) ? d : best), null as DailyTotals | null);
  const numericQuota = typeof quota === 'number' ? quota : null;
  return {
    days_with_data: series.length,
    from: series[0]?.day ?? null,
    total_requests: total,
    mean_requests_per_day: series.length ? round(total / series.length) : 0,
    peak_requests_per_day: peak?.requests ?? 0,
    peak_day: peak?.day ?? null,
    rate_limited_requests: series.reduce((sum, d) => sum + d.rate_limited, 0),
    daily_quota: quota,
    peak_share_of_quota: numericQuota && peak ? round(peak.requests / numericQuota, 3) : null,
    days_at_or_over_quota: numericQuota ? series.filter((d) => d.requests >= numericQuota).length : 0,
  };
}

export function platformInsights(inputs: PlatformInsightsInputs, parameters: GenerateInsightsParameters, now: Date) {
  const from = windowStartOf(now, parameters.lookback_days);
  const byPlan = Object.fromEntries(
    PLAN_IDS.map((planId) => {
      const tenants = inputs.plans.filter((p) => p.plan_id === planId);
      const mrr = tenants.reduce((sum, p) => sum + monthlyRecurringCents(p.plan_id, p.interval, p.status), 0);
      const count = (status: PlanState['status']) => tenants.filter((p) => p.status === status).length;
      return [
        planId,
        {
          mrr_cents: mrr,
          tenants: { trialing: count('trialing'), active: count('active'), cancelled: count('cancelled') },
          monthly_interval: tenants.filter((p) => p.status === 'active' && p.interval === 'monthly').length,
          annual_interval: tenants.filter((p) => p.status === 'active' && p.interval === 'annual').length,
        },
      ];
    }),
  );
  const mrr = Object.values(byPlan).reduce((sum, p) => sum + p.mrr_cents, 0);
  const paying = inputs.plans.filter((p) => monthlyRecurringCents(p.plan_id, p.interval, p.status) > 0).length;
  const movement = mrrMovement(
    inputs.plans.map((p) => ({ tenant_id: p.tenant_id, history: mrrHistory(p.changes) })),
    from,
  );
  const invoices = invoiceTotals(inputs.invoices, now);
  const { numbers: _p, ...paid } = invoices.paid;
  const { numbers: _o, ...open } = invoices.open;
  const { numbers: _d, ...overdue } = invoices.overdue;
  const arpa = paying ? Math.round(mrr / paying) : null;
  return {
    inputs: {
      scope: 'platform' as const,
      lookback_days: parameters.lookback_days,
      from: from.slice(0, 10),
      to: now.toISOString().slice(0, 10),
      tenants_with_a_subscription: inputs.plans.length,
      truncated: inputs.truncated,
    },
    mrr_cents: mrr,
    by_plan: byPlan,
    paying_accounts: paying,
    arpa_cents: arpa,
    arpa_formula: paying ? `${mrr} / ${paying}` : 'no paying account',
    mrr_movement: movement,
    invoices: { paid, open, overdue },
    summary:
      `MRR ${mrr} cents from ${paying} paying account(s) (ARPA ${arpa ?? '—'}); over ${parameters.lookback_days} days: ` +
      `new ${movement.new_cents}, reactivation ${movement.reactivation_cents}, expansion ${movement.expansion_cents}, contraction ${movement.contraction_cents}, churn ${movement.churn_cents}, net ${movement.net_cents}.`,
    method: MRR_METHOD + ' ARPA = MRR ÷ accounts with an MRR above 0.',
  };
}
