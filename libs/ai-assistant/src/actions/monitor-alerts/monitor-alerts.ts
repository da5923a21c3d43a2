import { PLATFORM_SUBJECT } from '@tenantry/contracts';
import { z } from 'zod';
import type { Incident, IncidentPolicy } from '../../incidents/correlate';
import type { AlertRecord } from '../../read-models/alert.collection';
import type { BurnRateWindow } from '../../read-models/alert-events';
import { defineAction } from '../action';
import { round } from '../analyze-usage/statistics';

export const monitorAlertsParameters = z.strictObject({
  /** `platform`: every tenant's alerts and the service-wide ones (the platform admin only). */
  scope: z.enum(['tenant', 'platform']).default('tenant'),
  /** The window in which transitions are counted for flapping, ending now. */
  lookback_hours: z.number().int().min(1).max(720).default(24),
  /** An alert that fired or resolved more than this many times in the lookback is flapping. */
  flapping_threshold: z.number().int().min(1).max(1000).default(4),
  /** A `page` alert firing for longer than this is suggested for escalation. */
  escalate_after_minutes: z.number().int().min(1).max(43_200).default(30),
});
export type MonitorAlertsParameters = z.output<typeof monitorAlertsParameters>;

type Alert = Pick<
  AlertRecord,
  'alert_id' | 'slo' | 'service' | 'tenant_id' | 'severity' | 'objective' | 'firing' | 'last_fired_at' | 'episodes'
>;

interface MonitorAlertsInputs {
  scope: 'tenant' | 'platform';
  alerts: Alert[];
  /** The incidents of these alerts at the run's clock, as GET /incidents shows them. */
  incidents: Incident[];
  incidentPolicy: IncidentPolicy;
  truncated: boolean;
}

const SEVERITY_RANK = { page: 0, ticket: 1 } as const;

export const monitorAlerts = defineAction({
  name: 'monitor_alerts',
  summary:
    'Firing SLO burn-rate alerts grouped by SLO and service (Alertmanager-style) with severity, since when, burn rates and error budget left; flapping alerts (transitions in the lookback above a threshold); page alerts firing too long, to escalate; the incidents they make (open, escalated, resolved in the lookback)',
  parameters: monitorAlertsParameters,
  requiredFeature: 'ai_assistant',
  reads: ['burn-rate alerts and their episodes (alert.fired, alert.resolved)'],
  adminOnlyParameter: (parameters) => (parameters.scope === 'platform' ? 'scope' : null),
  async load(context, parameters, tracker): Promise<MonitorAlertsInputs> {
    await context.progress(10, parameters.scope === 'platform' ? 'reading every alert' : 'reading the alerts');
    const { incidentPolicy } = context.models;
    if (parameters.scope === 'platform') {
      if (context.requestedBy !== 'admin') throw new Error('Platform-wide alerts are for the platform admin only.');
      const read = await context.models.alertsAcrossTenants(tracker);
      const incidents = context.models.incidentsFrom(read.items, context.now, tracker);
      return { scope: 'platform', alerts: read.items.map(alertOf), incidents, incidentPolicy, truncated: read.truncated };
    }
    const alerts = await context.models.alertsOf(context.tenantId, tracker);
    const incidents = context.models.incidentsFrom(alerts, context.now, tracker);
    return { scope: 'tenant', alerts: alerts.map(alertOf), incidents, incidentPolicy, truncated: false };
  },
  compute: (inputs, parameters, context) => alertsReport(inputs, parameters, context.now, context.tenantId),
});

function alertOf(record: AlertRecord): Alert {
  const { alert_id, slo, service, tenant_id, severity, objective, firing, last_fired_at, episodes } = record;
  return { alert_id, slo, service, tenant_id, severity, objective, firing, last_fired_at, episodes };
}

/** The rate at which both windows of a condition burn (the alert condition holds while it is above the factor). */
const burnRateOf = (window: BurnRateWindow) => Math.min(window.long_burn_rate, window.short_burn_rate);
const minutesBetween = (from: string, to: Date) => (to.getTime() - Date.parse(from)) / 60_000;

export function alertsReport(inputs: MonitorAlertsInputs, parameters: MonitorAlertsParameters, now: Date, tenantId: string) {
  const lookbackStart = new Date(now.getTime() - parameters.lookback_hours * 3_600_000).toISOString();
  const nowIso = now.toISOString();

  const firing = inputs.alerts
    .filter((alert) => alert.firing)
    .map((alert) => {
      const episode = alert.episodes[alert.episodes.length - 1];
      const fired = episode?.fired ?? null;
      const windows = (fired?.windows ?? []).map((w) => ({ ...w, burn_rate: burnRateOf(w), over_factor: burnRateOf(w) >= w.factor }));
      return {
        alert_id: alert.alert_id,
        slo: alert.slo,
        service: alert.service,
        tenant_id: alert.tenant_id,
        severity: alert.severity,
        objective: alert.objective,
        fired_at: alert.last_fired_at,
        firing_for_minutes: round(minutesBetween(alert.last_fired_at, now), 1),
        burn_rate: windows.reduce((max, w) => Math.max(max, w.burn_rate), 0),
        windows,
        budget_remaining: fired?.budget_remaining ?? null,
        summary: fired?.summary ?? null,
      };
    });

  const byGroup = new Map<string, typeof firing>();
  for (const alert of firing) {
    const key = `${alert.slo}\u0000${alert.service}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), alert]);
  }
  const groups = [...byGroup.values()]
    .map((alerts) => {
      const first = alerts[0] as (typeof firing)[number];
      const since = alerts.map((a) => a.fired_at).sort()[0] as string;
      const budgets = alerts.map((a) => a.budget_remaining).filter((b): b is number => b !== null);
      return {
        slo: first.slo,
        service: first.service,
        severity: alerts.some((a) => a.severity === 'page') ? ('page' as const) : ('ticket' as const),
        firing_since: since,
        firing_for_minutes: round(minutesBetween(since, now), 1),
        alert_count: alerts.length,
        tenants: [...new Set(alerts.map((a) => a.tenant_id ?? PLATFORM_SUBJECT))].sort(),
        burn_rate: alerts.reduce((max, a) => Math.max(max, a.burn_rate), 0),
        lowest_budget_remaining: budgets.length === 0 ? null : Math.min(...budgets),
        alerts: [...alerts].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.fired_at.localeCompare(b.fired_at)),
      };
    })
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        a.firing_since.localeCompare(b.firing_since) ||
        `${a.slo} ${a.service}`.localeCompare(`${b.slo} ${b.service}`),
    );

  const flapping = inputs.alerts
    .map((alert) => {
      const fired = alert.episodes.filter((e) => e.fired_at >= lookbackStart && e.fired_at <= nowIso).length;
      const resolved = alert.episodes.filter(
        (e) => e.resolved !== null && e.resolved.resolved_at >= lookbackStart && e.resolved.resolved_at <= nowIso,
      ).length;
      return {
        alert_id: alert.alert_id,
        slo: alert.slo,
        service: alert.service,
        tenant_id: alert.tenant_id,
        severity: alert.severity,
        fired_in_lookback: fired,
        resolved_in_lookback: resolved,
        transitions: fired + resolved,
        threshold: parameters.flapping_threshold,
        firing_now: alert.firing,
      };
    })
    .filter((alert) => alert.transitions > parameters.flapping_threshold)
    .sort((a, b) => b.transitions - a.transitions || a.alert_id.localeCompare(b.alert_id))
    .map((alert) => ({
      ...alert,
      suggestion:
        `${alert.slo} on ${alert.service}${alert.tenant_id ? ` (tenant ${alert.tenant_id})` : ''} fired ${alert.fired_in_lookback} and resolved ` +
        `${alert.resolved_in_lookback} times in the last ${parameters.lookback_hours} h (${alert.transitions} transitions > ${alert.threshold}): ` +
        'it flaps around its threshold — group its notifications, or lengthen its short window so it holds until the burn has stopped.',
    }));

  const escalations = firing
    .filter((alert) => alert.severity === 'page' && now.getTime() - Date.parse(alert.fired_at) > parameters.escalate_after_minutes * 60_000)
    .sort((a, b) => a.fired_at.localeCompare(b.fired_at) || a.alert_id.localeCompare(b.alert_id))
    .map((alert) => ({
      alert_id: alert.alert_id,
      slo: alert.slo,
      service: alert.service,
      tenant_id: alert.tenant_id,
      fired_at: alert.fired_at,
      firing_for_minutes: alert.firing_for_minutes,
      threshold_minutes: parameters.escalate_after_minutes,
      burn_rate: alert.burn_rate,
      budget_remaining: alert.budget_remaining,
      suggestion:
        `${alert.slo} on ${alert.service}${alert.tenant_id ? ` (tenant ${alert.tenant_id})` : ''} has paged for ${alert.firing_for_minutes} min ` +
        `(> ${parameters.escalate_after_minutes}), burning at ${alert.burn_rate}×` +
        (alert.budget_remaining === null ? '' : ` with ${round(alert.budget_remaining * 100, 1)} % of its error budget left`) +
        ': escalate to the next on-call level.',
    }));

  // Unresolved ones, and those resolved within the lookback (newest first, as GET /incidents lists them).
  const incidents = inputs.incidents.filter((incident) => incident.resolved_at === null || incident.resolved_at >= lookbackStart);

  return {
    inputs: {
      scope: inputs.scope,
      ...(inputs.scope === 'tenant' ? { tenant_id: tenantId } : {}),
      now: nowIso,
      lookback_hours: parameters.lookback_hours,
      lookback_start: lookbackStart,
      flapping_threshold: parameters.flapping_threshold,
      escalate_after_minutes: parameters.escalate_after_minutes,
      incident_window_minutes: inputs.incidentPolicy.correlationWindowMs / 60_000,
      incident_escalate_after_minutes: inputs.incidentPolicy.escalateAfterMs / 60_000,
      alerts_known: inputs.alerts.length,
      truncated: inputs.truncated,
    },
    totals: {
      firing: firing.length,
      firing_page: firing.filter((a) => a.severity === 'page').length,
      firing_ticket: firing.filter((a) => a.severity === 'ticket').length,
      groups: groups.length,
      flapping: flapping.length,
      escalations: escalations.length,
      incidents_open: incidents.filter((i) => i.status === 'open').length,
      incidents_escalated: incidents.filter((i) => i.status === 'escalated').length,
      incidents_resolved: incidents.filter((i) => i.status === 'resolved').length,
    },
    groups,
    flapping,
    escalations,
    incidents,
    method:
      'From alert.fired / alert.resolved: an alert (its fingerprint alert_id) is firing when its newest episode (by fired_at) has no resolution. ' +
      'Firing alerts are grouped by (slo, service); a group is page when any of its alerts is. burn_rate = the highest, over the conditions, of ' +
      'min(long_burn_rate, short_burn_rate) measured when it fired; budget_remaining is the share of the error budget left then. ' +
      `Flapping: episodes started plus episodes resolved within the last ${parameters.lookback_hours} h, above ${parameters.flapping_threshold}. ` +
      `Escalation: a page alert firing for more than ${parameters.escalate_after_minutes} minutes. ` +
      'Incidents: alerts (fingerprint slo|service|tenant|severity) of one service that fire while an incident is unresolved, or within ' +
      "the service's correlation window of its opening, are one incident; it resolves when all of them have, and escalates when still " +
      'unresolved at escalate_at (the same incidents as GET /incidents; unresolved ones and those resolved in the lookback).',
  };
}
