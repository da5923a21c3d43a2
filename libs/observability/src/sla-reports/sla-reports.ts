import { ConflictError, PLAN_CATALOG, type PlanId } from '@tenantry/contracts';
import type { OutboxRelay } from '@tenantry/event-bus';
import type { TenantScopedRepository } from '@tenantry/persistence';
import { observabilityEvent } from '../events';
import { inLanes } from '../lanes';
import { RollupReader } from '../ingest/rollup-reader';
import { outside, type ExcludingWindow, type MaintenanceSnapshot, type MaintenanceWindows } from '../maintenance/exclusion';
import { GATEWAY_SERVICE } from '../ingest/rollup-writer';
import { tenantGatewayShard, type RollupRepository } from '../ingest/rollup.collection';
import { DEFAULT_CREDIT_SCHEDULE, planSlaObjective, type CreditTier } from '../slo-definitions/definitions';
import { monthContaining, monthIn } from '../slos/calendar';
import { availability, round } from '../slos/slo-math';
import { creditPercent } from './credit';

export interface SlaReport {
  report_id: string;
  tenant_id: string;
  month: string;
  timezone: string;
  period: { start: string; end: string };
  /** False while the month is not over yet (figures so far; nothing is credited). */
  complete: boolean;
  plan_id: PlanId;
  objective: number;
  achieved: number;
  valid_requests: number;
  failed_requests: number;
  /** (1 − achieved) × the month's minutes outside maintenance: the unavailability as minutes of full outage. */
  downtime_minutes: number;
  /** Minutes of the month (so far) inside maintenance windows of the tenant's gateway traffic: their requests are not counted. */
  excluded_maintenance_minutes: number;
  /** The windows that excluded them. */
  maintenance_windows: ExcludingWindow[];
  breached: boolean;
  credit_percent: number;
  monthly_fee_cents: number;
  credit_cents: number;
  currency: 'EUR';
}

export interface SlaTenant {
  tenant_id: string;
  plan_id: PlanId;
  timezone: string;
}

/** How long after a month's end its report is closed (ingest lag; the gateway flushes every few seconds). */
export const CLOSE_GRACE_MS = 15 * 60_000;

/** Tenants whose month is closed at once (they share the pass's documents; the breach writes overlap). */
const CLOSE_LANES = 8;

export const reportIdOf = (tenantId: string, month: string): string => `sla_${tenantId}_${month}`;

/** Monthly SLA reports per tenant (its calendar month in its time zone) and their one sla.breached each. */
export class SlaReports {
  /** Tenant-months this process has closed (emitted, or found met): not read again every minute. */
  private readonly closed = new Set<string>();

  constructor(
    private readonly deps: {
      rollups: RollupRepository;
      breaches: TenantScopedRepository<{ report_id: string; month: string; credit_cents: number }>;
      outbox: Pick<OutboxRelay, 'notify'>;
      schedule?: readonly CreditTier[];
      maintenance?: MaintenanceWindows;
    },
  ) {}

  /** The windows in force at `now` (one read; share it among the reports of one request or evaluation). */
  async maintenanceAt(now: Date): Promise<MaintenanceSnapshot | undefined> {
    return this.deps.maintenance?.snapshot(now);
  }

  /**
   * The report of one tenant, its month less the maintenance windows that apply to its gateway traffic;
   * `reader` and `maintenance` may be shared by many tenants (they share shard documents and windows).
   */
  async report(
    tenant: SlaTenant,
    month: string,
    now: Date,
    reader = new RollupReader(this.deps.rollups),
    maintenance?: MaintenanceSnapshot,
  ): Promise<SlaReport | null> {
    const objective = planSlaObjective(tenant.plan_id);
    if (objective === null) return null;
    const bounds = monthIn(month, tenant.timezone);
    const to = now < bounds.end ? now : bounds.end;
    const until = to > bounds.start ? to : bounds.start;
    const windows = maintenance ?? (await this.maintenanceAt(now));
    const excluded = windows?.excluded({ service: GATEWAY_SERVICE, tenant_id: tenant.tenant_id }, bounds.start, until) ?? {
      intervals: [],
      minutes: 0,
      windows: [],
    };
    // Hours and days from the gNN documents (the tenants' gateway series alone), minutes from tNN.
    const { totals } = await reader.sumSpans(
      tenantGatewayShard(tenant.tenant_id),
      outside(bounds.start.getTime(), until.getTime(), excluded.intervals),
      now,
      tenant.tenant_id,
      (series) => (series.tenant_id === tenant.tenant_id && series.service === GATEWAY_SERVICE && series.route === null ? 'x' : null),
    );
    const series = totals.get('x');
    const counts = availability(series ?? { requests: 0, errors: 0, client_errors: 0 });
    // A month without traffic met its SLA: nothing failed.
    const achieved = counts.sli === null ? 1 : round(counts.sli);
    const minutes = (bounds.end.getTime() - bounds.start.getTime()) / 60_000 - excluded.minutes;
    const complete = now >= bounds.end;
    const percent = complete ? creditPercent(this.deps.schedule ?? DEFAULT_CREDIT_SCHEDULE, objective, achieved) : 0;
    const fee = PLAN_CATALOG[tenant.plan_id].prices.monthly;
    return {
      report_id: reportIdOf(tenant.tenant_id, month),
      tenant_id: tenant.tenant_id,
      month,
      timezone: tenant.timezone,
      period: { start: bounds.start.toISOString(), end: bounds.end.toISOString() },
      complete,
      plan_id: tenant.plan_id,
      objective,
      achieved,
      valid_requests: counts.valid,
      failed_requests: counts.bad,
      downtime_minutes: round((1 - achieved) * minutes),
      excluded_maintenance_minutes: excluded.minutes,
      maintenance_windows: excluded.windows,
      breached: complete && achieved < objective,
      credit_percent: percent,
      monthly_fee_cents: fee,
      credit_cents: Math.round((fee * percent) / 100),
      currency: 'EUR',
    };
  }

  /**
   * Emits sla.breached for the month before `now` (in each tenant's zone) of every tenant that missed it:
   * one insert per report_id carrying the event, so replicas, restarts and re-runs emit it once.
   */
  async closePreviousMonth(tenants: AsyncIterable<SlaTenant>, now: Date): Promise<string[]> {
    const reader = new RollupReader(this.deps.rollups);
    const maintenance = await this.maintenanceAt(now);
    const open: { tenant: SlaTenant; month: string }[] = [];
    const previousMonths = new Map<string, string>();
    for await (const tenant of tenants) {
      let previous = previousMonths.get(tenant.timezone);
      if (previous === undefined) {
        const current = monthContaining(now, tenant.timezone);
        previous = monthContaining(new Date(current.start.getTime() - 1), tenant.timezone).month;
        previousMonths.set(tenant.timezone, previous);
      }
      if (!this.closed.has(reportIdOf(tenant.tenant_id, previous))) open.push({ tenant, month: previous });
    }
    // Each tenant's report from the shard documents the pass reads once each; a few tenants at a time.
    const closings = await inLanes(open, CLOSE_LANES, ({ tenant, month }) => this.closeMonth(tenant, month, now, reader, maintenance));
    return closings.flatMap((closing) => (closing?.sla_breached === 'emitted' ? [closing.report.report_id] : []));
  }

  /**
   * Closes one tenant's month once it is over and its grace has passed: when it was missed, sla.breached is
   * emitted (one insert per report_id: once, whoever closes it, however often). The every-minute loop closes
   * the month before `now`; an admin closes any month on demand (`POST /sla/report/{period}/close`), e.g.
   * after samples were recorded late. Null when the tenant's plan has no SLA; `open` while the month may
   * still receive batches.
   */
  async closeMonth(
    tenant: SlaTenant,
    month: string,
    now: Date,
    reader = new RollupReader(this.deps.rollups),
    maintenance?: MaintenanceSnapshot,
  ): Promise<{ report: SlaReport; sla_breached: 'open' | 'not_breached' | 'emitted' | 'already_emitted' } | null> {
    const report = await this.report(tenant, month, now, reader, maintenance);
    if (!report) return null;
    // Batches of the month's last minutes may still be on their way: a month is closed a while after it ends.
    if (now.getTime() < Date.parse(report.period.end) + CLOSE_GRACE_MS) return { report, sla_breached: 'open' };
    if (this.closed.size > 1_000_000) this.closed.clear();
    this.closed.add(report.report_id);
    if (!report.breached) return { report, sla_breached: 'not_breached' };
    if (await this.deps.breaches.findById(tenant.tenant_id, report.report_id)) return { report, sla_breached: 'already_emitted' };
    const event = observabilityEvent(
      'sla.breached',
      tenant.tenant_id,
      {
        report_id: report.report_id,
        tenant_id: report.tenant_id,
        month: report.month,
        timezone: report.timezone,
        period: report.period,
        plan_id: report.plan_id,
        objective: report.objective,
        achieved: report.achieved,
        downtime_minutes: report.downtime_minutes,
        excluded_maintenance_minutes: report.excluded_maintenance_minutes,
        credit_percent: report.credit_percent,
        monthly_fee_cents: report.monthly_fee_cents,
        credit_cents: report.credit_cents,
        currency: report.currency,
        breached_at: now.toISOString(),
      },
      now,
    );
    try {
      await this.deps.breaches.insert(
        tenant.tenant_id,
        { report_id: report.report_id, month: report.month, credit_cents: report.credit_cents },
        { id: report.report_id, events: [event] },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return { report, sla_breached: 'already_emitted' };
    }
    this.deps.outbox.notify();
    return { report, sla_breached: 'emitted' };
  }
}
