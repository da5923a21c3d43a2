import { planOf, UNLIMITED, type Limit, type PlanId } from '@tenantry/contracts';
import type { AlertRecord } from '../../read-models/alert.collection';
import type { InvoiceRecord } from '../../read-models/invoice.collection';
import type { TenantPlan } from '../../read-models/plan.collection';
import type { UsageDay } from '../../read-models/usage-day.collection';
import { round } from '../analyze-usage/statistics';
import { windowStart } from '../daily-series';
import { invoiceStanding, invoiceTotals } from '../invoice-status';

/** What the read models hold about the tenant, as loaded for one ticket. */
export interface SupportContextInputs {
  today: string;
  lookback_days: number;
  plan: Pick<TenantPlan, 'plan_id' | 'interval' | 'status' | 'since'> | null;
  /** The plan the task was queued under, when no subscription event was seen. */
  task_plan_id: PlanId | null;
  invoices: InvoiceRecord[];
  usage: UsageDay[];
  alerts: AlertRecord[];
  now: string;
}

const limitOrNull = (limit: Limit): number | null => (limit === UNLIMITED ? null : limit);
const share = (part: number, whole: number) => (whole === 0 ? 0 : round(part / whole, 4));
/** Routes named in the facts: the ones with the most errors or 429s. */
const TOP_ROUTES = 3;

/** The tenant's facts a reply may quote: plan and its limits (catalog), invoices, recent errors and 429s, firing alerts. */
export function supportFacts(inputs: SupportContextInputs) {
  return {
    plan: planFacts(inputs),
    invoices: invoiceFacts(inputs.invoices, new Date(inputs.now)),
    usage: usageFacts(inputs.usage, inputs.today, inputs.lookback_days),
    alerts: alertFacts(inputs.alerts),
  };
}
export type SupportFacts = ReturnType<typeof supportFacts>;

function planFacts(inputs: SupportContextInputs) {
  const planId = inputs.plan?.plan_id ?? inputs.task_plan_id;
  if (planId === null) return null;
  const plan = planOf(planId);
  return {
    plan_id: plan.id,
    name: plan.name,
    /** `subscription events` when billing's events were seen, else the plan the task was queued under. */
    source: inputs.plan ? ('subscription events' as const) : ('task' as const),
    status: inputs.plan?.status ?? null,
    interval: inputs.plan?.interval ?? null,
    since: inputs.plan?.since ?? null,
    /** null: unlimited. */
    api_calls_per_day: limitOrNull(plan.limits.apiCallsPerDay),
    requests_per_minute: limitOrNull(plan.limits.requestsPerMinute),
    priority_support: plan.features.includes('priority_support'),
    sla_target_percent: plan.slaTargetPercent,
    monthly_price_cents: plan.prices.monthly,
    annual_price_cents: plan.prices.annual,
  };
}

function invoiceFacts(invoices: readonly InvoiceRecord[], now: Date) {
  const totals = invoiceTotals(invoices, now);
  const unpaid = invoices
    .filter((invoice) => ['open', 'overdue'].includes(invoiceStanding(invoice, now)))
    .sort((a, b) => a.number.localeCompare(b.number))
    .map((invoice) => ({
      number: invoice.number,
      amount_cents: invoice.amount_cents,
      standing: invoiceStanding(invoice, now),
      due_at: invoice.due_at ?? null,
    }));
  return {
    seen: invoices.length,
    open: { count: totals.open.count, amount_cents: totals.open.amount_cents },
    overdue: { count: totals.overdue.count, amount_cents: totals.overdue.amount_cents },
    paid: { count: totals.paid.count },
    unpaid,
  };
}

function usageFacts(usage: readonly UsageDay[], today: string, lookbackDays: number) {
  const from = windowStart(today, lookbackDays);
  const days = usage.filter((day) => day.day >= from && day.day <= today);
  const perRoute = new Map<string, { route: string; requests: number; errors: number; rate_limited: number }>();
  const perDay = days.map((day) => {
    for (const r of day.routes) {
      const label = `${r.method} ${r.route}`;
      const entry = perRoute.get(label) ?? { route: label, requests: 0, errors: 0, rate_limited: 0 };
      entry.requests += r.request_count;
      entry.errors += r.error_count;
      entry.rate_limited += r.rate_limited_count;
      perRoute.set(label, entry);
    }
    return {
      day: day.day,
      requests: day.routes.reduce((sum, r) => sum + r.request_count, 0),
      errors: day.routes.reduce((sum, r) => sum + r.error_count, 0),
      rate_limited: day.routes.reduce((sum, r) => sum + r.rate_limited_count, 0),
    };
  });
  const requests = perDay.reduce((sum, d) => sum + d.requests, 0);
  const errors = perDay.reduce((sum, d) => sum + d.errors, 0);
  const rateLimited = perDay.reduce((sum, d) => sum + d.rate_limited, 0);
  const busiest = [...perDay].sort((a, b) => b.requests - a.requests || a.day.localeCompare(b.day))[0] ?? null;
  const routes = [...perRoute.values()];
  const top = (key: 'errors' | 'rate_limited') =>
    routes
      .filter((r) => r[key] > 0)
      .sort((a, b) => b[key] - a[key] || a.route.localeCompare(b.route))
      .slice(0, TOP_ROUTES)
      .map((r) => ({ route: r.route, [key]: r[key], requests: r.requests }));
  return {
    from,
    to: today,
    days_with_data: perDay.length,
    requests,
    /** Server errors (5xx) the gateway recorded. */
    errors,
    error_share: share(errors, requests),
    /** Calls refused with 429 (rate limit or daily quota). */
    rate_limited: rateLimited,
    rate_limited_share: share(rateLimited, requests),
    days_with_429: perDay.filter((d) => d.rate_limited > 0).map((d) => d.day),
    busiest_day: busiest ? { day: busiest.day, requests: busiest.requests } : null,
    routes_with_errors: top('errors'),
    routes_with_429: top('rate_limited'),
  };
}

function alertFacts(alerts: readonly AlertRecord[]) {
  const firing = alerts
    .filter((alert) => alert.firing)
    .sort((a, b) => a.last_fired_at.localeCompare(b.last_fired_at) || a.alert_id.localeCompare(b.alert_id))
    .map((alert) => ({
      alert_id: alert.alert_id,
      slo: alert.slo,
      service: alert.service,
      severity: alert.severity,
      since: alert.last_fired_at,
    }));
  return { seen: alerts.length, firing };
}
