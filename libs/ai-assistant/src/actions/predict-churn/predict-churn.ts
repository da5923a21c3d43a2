import { planOf } from '@tenantry/contracts';
import { z } from 'zod';
import type { InvoiceRecord } from '../../read-models/invoice.collection';
import type { TenantPlan } from '../../read-models/plan.collection';
import type { Ticket } from '../../tickets/ticket.collection';
import type { UsageDay } from '../../read-models/usage-day.collection';
import { defineAction } from '../action';
import { median, round, theilSenSlope } from '../analyze-usage/statistics';
import { addDays, daysBetween } from '../daily-series';
import { invoiceTotals } from '../invoice-status';

export const predictChurnParameters = z.strictObject({
  /** `platform`: every tenant the read models know, riskiest first (the platform admin only). */
  scope: z.enum(['tenant', 'platform']).default('tenant'),
  /** The window of the usage trend and of "a recent downgrade", today included. */
  lookback_days: z.number().int().min(7).max(365).default(30),
  /** Days without a single call at which the inactivity signal counts in full. */
  inactive_days: z.number().int().min(1).max(365).default(14),
  /** Platform scope: how many tenants to list, riskiest first. */
  limit: z.number().int().min(1).max(1000).default(50),
});
export type PredictChurnParameters = z.output<typeof predictChurnParameters>;

/** The weight of each signal; the score is over the weights of the signals known (see `method`). */
export const CHURN_WEIGHTS = { usage_trend: 30, inactivity: 25, unpaid_invoices: 25, plan_change: 20, support_load: 15 } as const;
type SignalName = keyof typeof CHURN_WEIGHTS;
/** Overdue invoices at which the unpaid-invoice signal counts in full. */
const OVERDUE_INVOICES_IN_FULL = 2;
/** A downgrade keeps the customer on a smaller plan: half the weight of a cancellation. */
const DOWNGRADE_SHARE = 0.5;
/** Tickets in the window at which the support-load signal's volume part counts in full. */
const TICKETS_IN_FULL = 5;
/** Scores below `medium` are low, below `high` medium, the rest high. */
export const CHURN_BANDS = { medium: 30, high: 60 } as const;

/** One tenant's data, as the read models hold it (usage as requests per day, days with data only). */
interface TenantData {
  tenant_id: string;
  days: Array<{ day: string; requests: number }>;
  plan: Pick<TenantPlan, 'plan_id' | 'interval' | 'status' | 'since' | 'changes'> | null;
  invoices: InvoiceRecord[];
  /** The tenant's triaged support tickets (automate_support), newest first. */
  tickets: Array<Pick<Ticket, 'sentiment' | 'triaged_at'>>;
}

interface PredictChurnInputs {
  scope: 'tenant' | 'platform';
  tenants: TenantData[];
  truncated: boolean;
}

export const predictChurn = defineAction({
  name: 'predict_churn',
  summary:
    'Churn risk 0–100 (low/medium/high) from your own signals: usage trend (Theil–Sen), days since the last call, overdue invoices, a downgrade or cancellation — each with its value, weight and contribution, and what to do about the ones present',
  parameters: predictChurnParameters,
  requiredFeature: 'ai_assistant',
  reads: [
    'usage per day and route (metric.recorded)',
    'plan and its changes (subscription.*)',
    'invoices and payments (invoice.*)',
    'support tickets triaged by automate_support',
  ],
  adminOnlyParameter: (parameters) => (parameters.scope === 'platform' ? 'scope' : null),
  async load(context, parameters, tracker): Promise<PredictChurnInputs> {
    await context.progress(10, parameters.scope === 'platform' ? 'reading every tenant' : 'reading usage, plan and invoices');
    if (parameters.scope === 'platform') {
      if (context.requestedBy !== 'admin') throw new Error('A platform-wide churn prediction is for the platform admin only.');
      const [usage, plans, invoices, tickets] = await Promise.all([
        context.models.usageAcrossTenants(null, tracker),
        context.models.plansAcrossTenants(tracker),
        context.models.invoicesAcrossTenants(tracker),
        context.models.ticketsAcrossTenants(tracker),
      ]);
      const ids = new Set([...usage.items, ...plans.items, ...invoices.items].map((d) => d.tenantId));
      return {
        scope: 'platform',
        truncated: usage.truncated || plans.truncated || invoices.truncated || tickets.truncated,
        tenants: [...ids].sort().map((id) =>
          tenantData(
            id,
            usage.items.filter((d) => d.tenantId === id),
            plans.items.find((p) => p.tenantId === id) ?? null,
            invoices.items.filter((i) => i.tenantId === id),
            tickets.items.filter((t) => t.tenantId === id),
          ),
        ),
      };
    }
    const [usage, plan, invoices, tickets] = await Promise.all([
      context.models.usageOf(context.tenantId, tracker),
      context.models.planOf(context.tenantId, tracker),
      context.models.invoicesOf(context.tenantId, tracker),
      context.models.ticketsOf(context.tenantId, tracker),
    ]);
    return { scope: 'tenant', truncated: false, tenants: [tenantData(context.tenantId, usage, plan, invoices, tickets)] };
  },
  compute: (inputs, parameters, context) => churnReport(inputs, parameters, context.now),
});

function tenantData(
  tenantId: string,
  usage: readonly UsageDay[],
  plan: TenantPlan | null,
  invoices: InvoiceRecord[],
  tickets: readonly Ticket[],
): TenantData {
  return {
    tenant_id: tenantId,
    days: usage
      .map((d) => ({ day: d.day, requests: d.routes.reduce((sum, r) => sum + r.request_count, 0) }))
      .sort((a, b) => a.day.localeCompare(b.day)),
    plan: plan ? { plan_id: plan.plan_id, interval: plan.interval, status: plan.status, since: plan.since, changes: plan.changes } : null,
    invoices,
    tickets: tickets.map((t) => ({ sentiment: t.sentiment, triaged_at: t.triaged_at })),
  };
}

interface Signal {
  signal: SignalName;
  available: boolean;
  /** Why the signal is missing (the read models hold no such data), when it is. */
  reason: string | null;
  value: Record<string, unknown> | null;
  weight: number;
  /** How much of its weight the signal carries, 0–1. */
  share: number;
  contribution: number;
}

export function churnReport(inputs: PredictChurnInputs, parameters: PredictChurnParameters, now: Date) {
  const today = now.toISOString().slice(0, 10);
  const assessments = inputs.tenants.map((tenant) => assessTenant(tenant, parameters, today, now));
  const method =
    `Signals and weights: ${Object.entries(CHURN_WEIGHTS)
      .map(([name, weight]) => `${name} ${weight}`)
      .join(', ')}. ` +
    `usage_trend: Theil–Sen slope of requests per day over the window (from the first day with data, at most ${parameters.lookback_days} days, quiet days as 0); ` +
    'its share is the decline over the window as a share of the median day, −slope × (days − 1) ÷ median, capped at 1 (any decline when the median is 0). ' +
    `inactivity: days since the last day with a call (or since the subscription started, when no call was ever recorded) ÷ ${parameters.inactive_days}, capped at 1. ` +
    `unpaid_invoices: overdue invoices (marked overdue, or past their due date unpaid) ÷ ${OVERDUE_INVOICES_IN_FULL}, capped at 1. ` +
    `plan_change: 1 when the subscription is cancelled, ${DOWNGRADE_SHARE} after a downgrade within the window. ` +
    `support_load: tickets triaged in the window ÷ ${TICKETS_IN_FULL} (capped at 1) × (0.5 + 0.5 × their share with a negative tone); ` +
    'unknown for a tenant with no ticket triaged ever (its support may go through other channels). ' +
    'Contribution = weight × share; score = 100 × Σ contributions ÷ Σ weights of the signals the read models hold (a missing signal is named, not guessed). ' +
    `Bands: low below ${CHURN_BANDS.medium}, medium below ${CHURN_BANDS.high}, high from ${CHURN_BANDS.high}. ` +
    'Billing publishes a cancellation or downgrade when it takes effect, so one scheduled for the period end is not visible before then.';
  if (inputs.scope === 'tenant') {
    const assessment = assessments[0] as ReturnType<typeof assessTenant>;
    return {
      inputs: {
        scope: 'tenant' as const,
        tenant_id: assessment.tenant_id,
        today,
        lookback_days: parameters.lookback_days,
        inactive_days: parameters.inactive_days,
      },
      ...assessment,
      method,
    };
  }
  const ranked = [...assessments].sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.tenant_id.localeCompare(b.tenant_id));
  const bands = { high: 0, medium: 0, low: 0, unknown: 0 };
  for (const a of assessments) bands[a.band] += 1;
  return {
    inputs: {
      scope: 'platform' as const,
      today,
      lookback_days: parameters.lookback_days,
      inactive_days: parameters.inactive_days,
      tenants_assessed: assessments.length,
      /** True when a platform-wide read stopped at its bound: tenants beyond it are missing. */
      truncated: inputs.truncated,
    },
    bands,
    tenants: ranked.slice(0, parameters.limit),
    summary: `${assessments.length} tenant(s) assessed: ${bands.high} high, ${bands.medium} medium, ${bands.low} low risk${bands.unknown ? `, ${bands.unknown} without any signal` : ''}.`,
    method,
  };
}

function assessTenant(tenant: TenantData, parameters: PredictChurnParameters, today: string, now: Date) {
  const windowStart = addDays(today, -(parameters.lookback_days - 1));
  const signals = [
    usageTrendSignal(tenant, windowStart, today),
    inactivitySignal(tenant, parameters.inactive_days, today),
    unpaidInvoicesSignal(tenant, now),
    planChangeSignal(tenant, windowStart),
    supportLoadSignal(tenant, windowStart),
  ];
  const known = signals.filter((s) => s.available);
  const weightKnown = known.reduce((sum, s) => sum + s.weight, 0);
  const total = known.reduce((sum, s) => sum + s.weight * s.share, 0);
  const score = weightKnown === 0 ? null : Math.round((100 * total) / weightKnown);
  const band =
    score === null
      ? ('unknown' as const)
      : score >= CHURN_BANDS.high
        ? ('high' as const)
        : score >= CHURN_BANDS.medium
          ? ('medium' as const)
          : ('low' as const);
  const suggestions = signals.filter((s) => s.contribution > 0).map((s) => ({ signal: s.signal, suggestion: suggestionFor(s) }));
  const missing = signals.filter((s) => !s.available).map((s) => s.signal);
  return {
    tenant_id: tenant.tenant_id,
    score,
    band,
    weight_known: weightKnown,
    signals,
    missing_signals: missing,
    suggestions,
    summary:
      score === null
        ? 'The read models hold no signal for this tenant yet: no risk can be scored.'
        : `Churn risk ${score}/100 (${band}) from ${known.length} of ${signals.length} signals` +
          (missing.length ? ` (${missing.join(', ')} not available).` : '.'),
  };
}

function signalOf(signal: SignalName, share: number, value: Record<string, unknown>): Signal {
  const weight = CHURN_WEIGHTS[signal];
  return { signal, available: true, reason: null, value, weight, share: round(share, 4), contribution: round(weight * share) };
}

function missingSignal(signal: SignalName, reason: string): Signal {
  return { signal, available: false, reason, value: null, weight: CHURN_WEIGHTS[signal], share: 0, contribution: 0 };
}

function usageTrendSignal(tenant: TenantData, windowStart: string, today: string): Signal {
  const inWindow = tenant.days.filter((d) => d.day >= windowStart && d.day <= today);
  const first = inWindow[0]?.day;
  if (first === undefined) return missingSignal('usage_trend', `no usage recorded since ${windowStart}`);
  const byDay = new Map(inWindow.map((d) => [d.day, d.requests]));
  const series: number[] = [];
  for (let day = first; day <= today; day = addDays(day, 1)) series.push(byDay.get(day) ?? 0);
  const slope = theilSenSlope(series);
  const center = median(series) as number;
  if (slope === null) return missingSignal('usage_trend', `one day of usage in the window (${first}): no trend yet`);
  const decline = -slope * (series.length - 1);
  const share = slope >= 0 ? 0 : center > 0 ? Math.min(decline / center, 1) : 1;
  return signalOf('usage_trend', share, {
    from: first,
    to: today,
    days: series.length,
    slope_per_day: round(slope),
    median_requests_per_day: center,
    decline_over_window: round(Math.max(decline, 0)),
  });
}

function inactivitySignal(tenant: TenantData, inactiveDays: number, today: string): Signal {
  const lastActive = [...tenant.days].reverse().find((d) => d.requests > 0)?.day;
  if (lastActive !== undefined) {
    const days = daysBetween(lastActive, today);
    return signalOf('inactivity', Math.min(days / inactiveDays, 1), { last_active_day: lastActive, days_since_last_call: days });
  }
  if (tenant.plan) {
    const since = tenant.plan.since.slice(0, 10);
    const days = Math.max(daysBetween(since, today), 0);
    return signalOf('inactivity', Math.min(days / inactiveDays, 1), {
      last_active_day: null,
      subscribed_since: since,
      days_since_subscription_without_a_call: days,
    });
  }
  return missingSignal('inactivity', 'no usage and no subscription recorded: no day to count from');
}

function unpaidInvoicesSignal(tenant: TenantData, now: Date): Signal {
  const totals = invoiceTotals(tenant.invoices, now);
  const seen = totals.paid.count + totals.open.count + totals.overdue.count;
  if (seen === 0) return missingSignal('unpaid_invoices', 'no invoice events seen for this tenant');
  return signalOf('unpaid_invoices', Math.min(totals.overdue.count / OVERDUE_INVOICES_IN_FULL, 1), {
    invoices_seen: seen,
    paid_count: totals.paid.count,
    open_count: totals.open.count,
    overdue_count: totals.overdue.count,
    overdue_cents: totals.overdue.amount_cents,
    overdue_numbers: totals.overdue.numbers,
  });
}

function planChangeSignal(tenant: TenantData, windowStart: string): Signal {
  const plan = tenant.plan;
  if (!plan) return missingSignal('plan_change', 'no subscription events seen for this tenant');
  const latest = plan.changes[plan.changes.length - 1];
  if (plan.status === 'cancelled')
    return signalOf('plan_change', 1, { status: 'cancelled', plan_id: plan.plan_id, effective_at: latest?.effective_at ?? null });
  const downgrade = [...plan.changes].reverse().find((c) => c.kind === 'downgraded' && c.effective_at.slice(0, 10) >= windowStart);
  if (downgrade)
    return signalOf('plan_change', DOWNGRADE_SHARE, {
      status: plan.status,
      downgraded_from: downgrade.from_plan_id,
      downgraded_to: downgrade.plan_id,
      effective_at: downgrade.effective_at,
    });
  return signalOf('plan_change', 0, { status: plan.status, plan_id: plan.plan_id, no_downgrade_since: windowStart });
}

function supportLoadSignal(tenant: TenantData, windowStart: string): Signal {
  if (tenant.tickets.length === 0) return missingSignal('support_load', 'no support ticket triaged for this tenant (automate_support)');
  const recent = tenant.tickets.filter((t) => t.triaged_at.slice(0, 10) >= windowStart);
  const negative = recent.filter((t) => t.sentiment === 'negative').length;
  const negativeShare = recent.length === 0 ? 0 : negative / recent.length;
  return signalOf('support_load', Math.min(recent.length / TICKETS_IN_FULL, 1) * (0.5 + 0.5 * negativeShare), {
    tickets_in_window: recent.length,
    negative_tickets: negative,
    negative_share: round(negativeShare, 4),
    tickets_ever: tenant.tickets.length,
    since: windowStart,
  });
}

function suggestionFor(signal: Signal): string {
  const v = signal.value ?? {};
  switch (signal.signal) {
    case 'usage_trend':
      return (
        `Calls fall by ${-(v['slope_per_day'] as number)} a day (${v['decline_over_window']} over ${v['days']} days, median day ${v['median_requests_per_day']}): ` +
        'ask the tenant what moved — an integration switched off, a workload moved elsewhere — while it still uses the platform.'
      );
    case 'inactivity':
      return v['last_active_day'] === null
        ? `No call since the subscription started ${v['days_since_subscription_without_a_call']} days ago: offer onboarding help to get a first integration live.`
        : `No call for ${v['days_since_last_call']} days (last on ${v['last_active_day']}): check whether its integration fails (keys, errors) and reach out.`;
    case 'unpaid_invoices':
      return (
        `${v['overdue_count']} overdue invoice(s) (${(v['overdue_numbers'] as string[]).join(', ')}) for ${v['overdue_cents']} cents: ` +
        'send a payment reminder and ask for an up-to-date payment method before access is at stake.'
      );
    case 'plan_change':
      return v['status'] === 'cancelled'
        ? `The ${planOf(v['plan_id'] as Parameters<typeof planOf>[0]).name} subscription was cancelled (effective ${v['effective_at']}): ask why, and make a win-back offer that answers it.`
        : `Downgraded from ${v['downgraded_from']} to ${v['downgraded_to']} on ${String(v['effective_at']).slice(0, 10)}: ask which limit or price drove it; check that the smaller plan still carries its usage.`;
    case 'support_load':
      return (
        `${v['tickets_in_window']} support ticket(s) since ${v['since']}, ${v['negative_tickets']} of them in a negative tone: ` +
        'have one person follow them up together and close the loop on each before the renewal.'
      );
  }
}
