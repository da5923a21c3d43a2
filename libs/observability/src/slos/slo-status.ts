import { RollupReader } from '../ingest/rollup-reader';
import { GATEWAY_SERVICE } from '../ingest/rollup-writer';
import { SERVICE_SHARD, tenantGatewayShard, tenantShard, type Series } from '../ingest/rollup.collection';
import { countWithin } from '../ingest/histogram';
import { BURN_RATE_POLICY, windowSeconds, type AlertSeverity, type SloDefinition } from '../slo-definitions/definitions';
import { NO_MAINTENANCE, outside, type MaintenanceSnapshot } from '../maintenance/exclusion';
import { monthContaining } from './calendar';
import { availability, burnRate, errorBudget, round, type ErrorBudget } from './slo-math';

export interface SloSubject {
  definition: SloDefinition;
  /** Set for tenant-scoped SLOs. */
  tenant_id: string | null;
  /** The tenant's time zone, for the calendar-month budget (UTC for services). */
  timezone: string;
}

export interface WindowCounts {
  valid: number;
  bad: number;
}

export interface BurnCondition {
  severity: AlertSeverity;
  long_window: string;
  short_window: string;
  factor: number;
  long_burn_rate: number;
  short_burn_rate: number;
  firing: boolean;
}

export interface SloStatus {
  slo: string;
  service: string;
  tenant_id: string | null;
  sli_kind: 'availability' | 'latency';
  objective: number;
  /** Over the rolling window (window_days). */
  sli: number | null;
  valid_events: number;
  bad_events: number;
  /** Minutes of the rolling window inside maintenance windows: their events count neither good nor bad. */
  excluded_minutes: number;
  budget: ErrorBudget;
  calendar_month: { month: string; timezone: string; sli: number | null; excluded_minutes: number; budget: ErrorBudget };
  burn_rates: Record<string, number>;
  conditions: BurnCondition[];
  alerts_firing: AlertSeverity[];
  /** False when a window's edge had to use a coarser rollup than a minute (older than minute retention). */
  exact: boolean;
}

/** Valid and bad events of one subject's series. */
export function countsOf(definition: SloDefinition, series: Series | undefined): WindowCounts {
  if (!series) return { valid: 0, bad: 0 };
  const { valid, bad } = availability(series);
  if (definition.sli.kind === 'availability') return { valid, bad };
  // Latency: valid events answered within the threshold are good (the 4xx are not in the histogram's valid count, so approximate them as fast).
  const slow = Math.max(0, series.requests - countWithin(series.buckets, definition.sli.threshold_ms));
  return { valid, bad: Math.min(valid, slow) };
}

const WINDOWS = [...new Set(BURN_RATE_POLICY.flatMap((rule) => [rule.long_window, rule.short_window]))];

/**
 * Computes an SLO's state at `now` from the rollups (a reader may be shared by many subjects of one
 * evaluation), every window less the minutes of the maintenance windows that apply to the subject.
 */
export async function sloStatus(
  reader: RollupReader,
  subject: SloSubject,
  now: Date,
  maintenance: MaintenanceSnapshot = NO_MAINTENANCE,
): Promise<SloStatus> {
  const { definition, tenant_id } = subject;
  const service = definition.scope === 'tenant' ? GATEWAY_SERVICE : definition.service;
  // A tenant's gateway series: hours and days from the small gNN documents.
  const shard = tenant_id === null ? SERVICE_SHARD : service === GATEWAY_SERVICE ? tenantGatewayShard(tenant_id) : tenantShard(tenant_id);
  const keyOf = (series: Series): string | null =>
    series.tenant_id === tenant_id && series.service === service && series.route === null ? 'x' : null;
  const over = async (from: Date, to: Date): Promise<{ counts: WindowCounts; exact: boolean; excluded_minutes: number }> => {
    const excluded = maintenance.excluded({ service: definition.service, tenant_id }, from, to);
    const spans = outside(from.getTime(), to.getTime(), excluded.intervals);
    const { totals, exact } = await reader.sumSpans(shard, spans, now, tenant_id, keyOf);
    return { counts: countsOf(definition, totals.get('x')), exact, excluded_minutes: excluded.minutes };
  };
  const rolling = await over(new Date(now.getTime() - definition.window_days * 86_400_000), now);
  const month = monthContaining(now, subject.timezone);
  const calendar = await over(month.start, now);
  const rates: Record<string, number> = {};
  let exact = rolling.exact;
  await Promise.all(
    WINDOWS.map(async (window) => {
      const result = await over(new Date(now.getTime() - windowSeconds(window) * 1000), now);
      rates[window] = burnRate(definition.objective, result.counts);
      exact &&= result.exact;
    }),
  );
  const conditions = BURN_RATE_POLICY.map((rule): BurnCondition => {
    const long = rates[rule.long_window] ?? 0;
    const short = rates[rule.short_window] ?? 0;
    return { ...rule, long_burn_rate: long, short_burn_rate: short, firing: long > rule.factor && short > rule.factor };
  });
  const sliOf = (counts: WindowCounts): number | null => (counts.valid === 0 ? null : round((counts.valid - counts.bad) / counts.valid));
  return {
    slo: definition.id,
    service: definition.service,
    tenant_id,
    sli_kind: definition.sli.kind,
    objective: definition.objective,
    sli: sliOf(rolling.counts),
    valid_events: rolling.counts.valid,
    bad_events: rolling.counts.bad,
    excluded_minutes: rolling.excluded_minutes,
    budget: errorBudget(definition.objective, rolling.counts),
    calendar_month: {
      month: month.month,
      timezone: month.timezone,
      sli: sliOf(calendar.counts),
      excluded_minutes: calendar.excluded_minutes,
      budget: errorBudget(definition.objective, calendar.counts),
    },
    burn_rates: Object.fromEntries(WINDOWS.map((window) => [window, rates[window] ?? 0])),
    conditions,
    alerts_firing: [...new Set(conditions.filter((condition) => condition.firing).map((condition) => condition.severity))],
    exact,
  };
}
