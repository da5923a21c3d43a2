import { ConflictError, PLATFORM_SUBJECT } from '@tenantry/contracts';
import type { OutboxRelay } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import { observabilityEvent } from '../events';
import { RollupReader } from '../ingest/rollup-reader';
import type { RollupRepository } from '../ingest/rollup.collection';
import type { MaintenanceWindows } from '../maintenance/exclusion';
import type { AlertSeverity } from '../slo-definitions/definitions';
import type { SloSource } from '../slos/sla.routes';
import { sloStatus, type SloStatus, type SloSubject } from '../slos/slo-status';
import type { TenantProfileStore } from '../tenant-profiles/follow-tenants';
import type { AlertStateRepository } from './alert-state.collection';

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
}

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
    const reader = new RollupReader(this.deps.rollups);
    // Read once per evaluation; each window's expansion is remembered for the evaluation's subjects.
    const maintenance = await this.deps.maintenance?.snapshot(now);
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
    const result: EvaluationResult = { subjects: subjects.length, fired: [], resolved: [], statuses: [] };
    for (const subject of subjects) {
      const status = await sloStatus(reader, subject, now, maintenance);
      result.statuses.push(status);
      for (const severity of new Set(status.conditions.map((condition) => condition.severity))) {
        const transition = await this.settle(status, severity, now);
        if (transition) result[transition].push(alertIdOf(status.slo, status.tenant_id, severity));
      }
    }
    if (result.fired.length + result.resolved.length > 0) this.deps.outbox.notify();
    return result;
  }

  /** Makes the alert's state match the evaluation; 'fired' / 'resolved' when THIS call made the transition. */
  private async settle(status: SloStatus, severity: AlertSeverity, now: Date): Promise<'fired' | 'resolved' | null> {
    const { states } = this.deps;
    const scope = status.tenant_id ?? PLATFORM_SUBJECT;
    const alertId = alertIdOf(status.slo, status.tenant_id, severity);
    const conditions = status.conditions.filter((condition) => condition.severity === severity);
    const firing = conditions.some((condition) => condition.firing);
    for (let attempt = 1; ; attempt += 1) {
      const current = await states.findById(scope, alertId);
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
