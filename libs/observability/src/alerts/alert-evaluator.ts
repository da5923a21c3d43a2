import { ConflictError, PLATFORM_SUBJECT } from '@tenantry/contracts';
import type { OutboxRelay } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import { observabilityEvent } from '../events';
import { inLanes } from '../lanes';
import { RollupDocumentCache, RollupReader } from '../ingest/rollup-reader';
import { GATEWAY_SERVICE } from '../ingest/rollup-writer';
import { RESOLUTION_MS } from '../ingest/rollup.collection';
import type { RollupRepository } from '../ingest/rollup.collection';
import type { MaintenanceWindows } from '../maintenance/exclusion';
import type { AlertSeverity } from '../slo-definitions/definitions';
import type { SloSource } from '../slos/sla.routes';
import { sloStatus, type SloStatus, type SloSubject } from '../slos/slo-status';
import type { TenantProfileStore } from '../tenant-profiles/follow-tenants';
import type { AlertState, AlertStateRepository } from './alert-state.collection';

export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
const MAX_WRITE_ATTEMPTS = 5;

export interface AlertEvaluatorDeps {
  rollups: RollupRepository;
  states: AlertStateRepository;
  slos: SloSource;
  tenants: Pick<TenantProfileStore, 'withSla'>;
  outbox: Pick<OutboxRelay, 'notify'>;
  logger: Logger;
  /** Minutes inside maintenance windows are left out of every burn rate and budget. */
  maintenance?: MaintenanceWindows;
  /**
   * Settled rollup documents kept from one evaluation to the next (`alertRollupCache()`; the service
   * shares it with its RollupWriter, which invalidates what it writes). Without it every evaluation reads
   * every document of its windows.
   */
  rollupCache?: RollupDocumentCache;
}

/** Subjects evaluated at once (their documents are read once per evaluation whatever the order). */
const SUBJECT_LANES = 8;
/** Alert transitions written at once (each its own conditional write carrying its event). */
const WRITE_LANES = 8;
/** Older than the longest window an evaluation reads (30-day budget, a calendar month in any zone). */
const OLDEST_READ_MS = 33 * RESOLUTION_MS.day;

/** What the evaluator keeps of a settled document: the series its SLOs read (tenant SLOs: the tenant's gateway sum). */
export const alertRollupCache = (): RollupDocumentCache =>
  new RollupDocumentCache({ keep: (series) => series.route === null && (series.tenant_id === null || series.service === GATEWAY_SERVICE) });

export interface EvaluationResult {
  subjects: number;
  fired: string[];
  resolved: string[];
  /** The SLO state of every subject evaluated (for the Prometheus gauges). */
  statuses: SloStatus[];
}

/** The alert's stable fingerprint: the same on alert.fired and alert.resolved. */
export const alertIdOf = (slo: string, tenantId: string | null, severity: AlertSeverity): string =>
  `${slo}:${tenantId ?? PLATFORM_SUBJECT}:${severity}`;

/**
 * Multi-window, multi-burn-rate alerts (BURN_RATE_POLICY) for every service SLO and every SLA tenant's
 * SLO. Each evaluation computes the burn rates at `now` and makes each alert's transition, if any, with
 * one conditional write that carries its event: exactly one alert.fired / alert.resolved per transition,
 * across replicas and restarts.
 */
export class AlertEvaluator {
  constructor(private readonly deps: AlertEvaluatorDeps) {}

  async evaluate(now: Date): Promise<EvaluationResult> {
    const { rollupCache } = this.deps;
    rollupCache?.evictBefore(now.getTime() - OLDEST_READ_MS);
    const reader = new RollupReader(this.deps.rollups, rollupCache);
    // Read once per evaluation; each window's expansion is remembered for the evaluation's subjects.
    const [maintenance, states] = await Promise.all([this.deps.maintenance?.snapshot(now), this.alertStates()]);
    const subjects: SloSubject[] = this.deps.slos
      .definitions()
      .filter((definition) => definition.scope === 'service')
      .map((definition) => ({ definition, tenant_id: null, timezone: 'UTC' }));
    for await (const tenant of this.deps.tenants.withSla()) {
      for (const definition of this.deps.slos.definitions()) {
        if (definition.scope === 'tenant' && definition.plan_id === tenant.plan_id)
          subjects.push({ definition, tenant_id: tenant.tenant_id, timezone: tenant.timezone });
      }
    }
    // Every subject from the documents the evaluation reads once each (in memory after the first read).
    const statuses = await inLanes(subjects, SUBJECT_LANES, (subject) => sloStatus(reader, subject, now, maintenance));
    // Only the alerts whose state differs from the evaluation are written.
    const changes = statuses.flatMap((status) =>
      [...new Set(status.conditions.map((condition) => condition.severity))].flatMap((severity) => {
        const firing = status.conditions.some((condition) => condition.severity === severity && condition.firing);
        const known = states.get(alertIdOf(status.slo, status.tenant_id, severity));
        return (known?.firing ?? false) === firing ? [] : [{ status, severity, known }];
      }),
    );
    const transitions = await inLanes(changes, WRITE_LANES, ({ status, severity, known }) => this.settle(status, severity, now, known));
    const result: EvaluationResult = { subjects: subjects.length, fired: [], resolved: [], statuses };
    changes.forEach(({ status, severity }, i) => {
      const transition = transitions[i];
      if (transition) result[transition].push(alertIdOf(status.slo, status.tenant_id, severity));
    });
    if (result.fired.length + result.resolved.length > 0) this.deps.outbox.notify();
    return result;
  }

  /** Every alert's state, by alert id: one listing per evaluation instead of a read per subject and severity. */
  private async alertStates(): Promise<Map<string, AlertState>> {
    const states = new Map<string, AlertState>();
    let cursor: string | undefined;
    do {
      const page = await this.deps.states.admin.listAcrossTenants({ limit: 1_000, ...(cursor ? { cursor } : {}) });
      for (const state of page.items) states.set(state.id, state);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return states;
  }

  /**
   * Makes the alert's state match the evaluation; 'fired' / 'resolved' when THIS call made the transition.
   * `listed` is the state the evaluation's listing found (a write conflict reads it again).
   */
  private async settle(
    status: SloStatus,
    severity: AlertSeverity,
    now: Date,
    listed: AlertState | undefined,
  ): Promise<'fired' | 'resolved' | null> {
    const { states } = this.deps;
    const scope = status.tenant_id ?? PLATFORM_SUBJECT;
    const alertId = alertIdOf(status.slo, status.tenant_id, severity);
    const conditions = status.conditions.filter((condition) => condition.severity === severity);
    const firing = conditions.some((condition) => condition.firing);
    let current: AlertState | null = listed ?? null;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > 1) current = await states.findById(scope, alertId);
      if ((current?.firing ?? false) === firing) return null;
      const event = this.eventOf(status, severity, alertId, firing, current?.since, now);
      const next = { alert_id: alertId, slo: status.slo, severity, firing, since: now.toISOString() };
      try {
        if (current) await states.update(scope, alertId, next, { expectedVersion: current.version, events: [event] });
        else await states.insert(scope, next, { id: alertId, events: [event] });
        this.deps.logger.info({ alert: alertId, firing }, firing ? 'Alert {alert} fired' : 'Alert {alert} resolved');
        return firing ? 'fired' : 'resolved';
      } catch (error) {
        // Another replica made a transition meanwhile: read it again (usually it made this one).
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  private eventOf(status: SloStatus, severity: AlertSeverity, alertId: string, firing: boolean, firedSince: string | undefined, now: Date) {
    const windows = status.conditions
      .filter((condition) => condition.severity === severity)
      .map(({ long_window, short_window, factor, long_burn_rate, short_burn_rate }) => ({
        long_window,
        short_window,
        factor,
        long_burn_rate,
        short_burn_rate,
      }));
    const shape = {
      alert_id: alertId,
      slo: status.slo,
      service: status.service,
      tenant_id: status.tenant_id,
      severity,
      objective: status.objective,
      windows,
      budget_remaining: Math.min(1, status.budget.remaining_fraction),
    };
    const subject = status.tenant_id ?? PLATFORM_SUBJECT;
    if (firing) {
      const worst = windows.reduce((max, window) => Math.max(max, Math.min(window.long_burn_rate, window.short_burn_rate)), 0);
      const who = status.tenant_id ? `tenant ${status.tenant_id}` : status.service;
      return observabilityEvent(
        'alert.fired',
        subject,
        { ...shape, fired_at: now.toISOString(), summary: `${status.slo} (${who}) burns its error budget at ${worst}× (${severity})` },
        now,
      );
    }
    return observabilityEvent(
      'alert.resolved',
      subject,
      { ...shape, fired_at: firedSince ?? now.toISOString(), resolved_at: now.toISOString() },
      now,
    );
  }
}
