import { createHash } from 'node:crypto';
import { PLATFORM_SUBJECT, type AlertSeverity } from '@tenantry/contracts';
import type { AlertRecord } from '../read-models/alert.collection';

/** How alerts become incidents: the service's `ASSISTANT_INCIDENT_WINDOW` and `ASSISTANT_INCIDENT_ESCALATE_AFTER`. */
export interface IncidentPolicy {
  /** An alert of the same service that fires within this long of an incident's opening joins it (even after it resolved). */
  correlationWindowMs: number;
  /** An incident still unresolved this long after it opened is escalated. */
  escalateAfterMs: number;
}

export const DEFAULT_INCIDENT_POLICY: IncidentPolicy = { correlationWindowMs: 5 * 60_000, escalateAfterMs: 30 * 60_000 };

/** What correlation reads of one alert of the read model. */
export type CorrelatedAlert = Pick<AlertRecord, 'alert_id' | 'slo' | 'service' | 'tenant_id' | 'severity' | 'episodes'>;

/**
 * The identity of an alert for de-duplication: (slo, service, tenant_id, severity). Two alert events with
 * these four equal are the same alert, whatever else they carry; the same alert firing again while its
 * incident is open is one more episode of it in that incident, not a second alert. (Observability's
 * `alert_id` is `slo:tenant:severity`: the same alert, as an SLO belongs to one service.)
 */
export const fingerprintOf = (alert: Pick<CorrelatedAlert, 'slo' | 'service' | 'tenant_id' | 'severity'>): string =>
  [alert.slo, alert.service, alert.tenant_id ?? PLATFORM_SUBJECT, alert.severity].join('|');

export const INCIDENT_STATUSES = ['open', 'escalated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface IncidentAlert {
  fingerprint: string;
  alert_id: string;
  slo: string;
  severity: AlertSeverity;
  /** Its newest episode in this incident has no resolution. */
  firing: boolean;
  first_fired_at: string;
  last_fired_at: string;
  /** The resolution of its newest episode in this incident (null while firing). */
  resolved_at: string | null;
  /** Times it fired within this incident (a redelivered event is not a new episode). */
  episodes: number;
}

export interface IncidentEvent {
  at: string;
  event: 'fired' | 'resolved' | 'escalated';
  /** The alert of a `fired` / `resolved`; null for `escalated`. */
  fingerprint: string | null;
}

export interface Incident {
  id: string;
  /** The tenant whose SLOs burn, or null for a service-wide incident. */
  tenant_id: string | null;
  service: string;
  status: IncidentStatus;
  /** page when any of its alerts pages. */
  severity: AlertSeverity;
  title: string;
  opened_at: string;
  /** When the last of its alerts resolved (null while one fires). */
  resolved_at: string | null;
  /** opened_at + the escalation delay: when it escalates if still unresolved then. */
  escalate_at: string;
  escalated_at: string | null;
  duration_minutes: number;
  alerts: IncidentAlert[];
  /** Every transition, oldest first. */
  timeline: IncidentEvent[];
}

interface Episode {
  alert: CorrelatedAlert;
  fingerprint: string;
  fired_at: string;
  resolved_at: string | null;
}

const ms = (iso: string) => Date.parse(iso);

/**
 * The incidents of one owner (a tenant, or `_platform` for the service-wide SLOs) from its alerts' episodes:
 * a pure function of the episodes, the policy and `now`. The alert read model holds the same episodes
 * whatever order `alert.fired` / `alert.resolved` arrived in and however often, so the incidents do too, and
 * replaying the topics rebuilds them. Per service, episodes taken by `fired_at`: one joins the incident
 * before it when it fires while that incident is unresolved, or within the correlation window of its opening;
 * otherwise it opens a new one. An incident is resolved when all its episodes are, and escalated when still
 * unresolved `escalateAfterMs` after it opened (and `now` is past that).
 */
export function correlateIncidents(alerts: readonly CorrelatedAlert[], policy: IncidentPolicy, now: Date): Incident[] {
  const byService = new Map<string, Episode[]>();
  for (const alert of alerts) {
    const fingerprint = fingerprintOf(alert);
    const episodes = alert.episodes.map((e) => ({
      alert,
      fingerprint,
      fired_at: e.fired_at,
      resolved_at: e.resolved?.resolved_at ?? null,
    }));
    byService.set(alert.service, [...(byService.get(alert.service) ?? []), ...episodes]);
  }
  const incidents: Incident[] = [];
  for (const episodes of byService.values()) {
    episodes.sort((a, b) => a.fired_at.localeCompare(b.fired_at) || a.fingerprint.localeCompare(b.fingerprint));
    let group: Episode[] = [];
    let openedAt = 0;
    let openUntil = 0;
    for (const episode of episodes) {
      const firedAt = ms(episode.fired_at);
      if (group.length > 0 && firedAt > openedAt + policy.correlationWindowMs && firedAt > openUntil) {
        incidents.push(incidentOf(group, policy, now));
        group = [];
      }
      if (group.length === 0) {
        openedAt = firedAt;
        openUntil = firedAt;
      }
      group.push(episode);
      openUntil = Math.max(openUntil, episode.resolved_at === null ? Number.POSITIVE_INFINITY : ms(episode.resolved_at));
    }
    if (group.length > 0) incidents.push(incidentOf(group, policy, now));
  }
  return incidents.sort(newestFirst);
}

/** Newest first, then by id: the order of every incident list. */
export const newestFirst = (a: Incident, b: Incident): number => b.opened_at.localeCompare(a.opened_at) || a.id.localeCompare(b.id);

function incidentOf(episodes: readonly Episode[], policy: IncidentPolicy, now: Date): Incident {
  const first = episodes[0] as Episode;
  const owner = first.alert.tenant_id ?? PLATFORM_SUBJECT;
  const openedAt = first.fired_at;
  const resolutions = episodes.map((e) => e.resolved_at);
  const resolvedAt = resolutions.includes(null) ? null : (([...resolutions] as string[]).sort().at(-1) as string);
  const escalateAt = new Date(ms(openedAt) + policy.escalateAfterMs).toISOString();
  const escalated = now.getTime() >= ms(escalateAt) && (resolvedAt === null || ms(resolvedAt) > ms(escalateAt));
  const escalatedAt = escalated ? escalateAt : null;

  const alerts = new Map<string, Episode[]>();
  for (const episode of episodes) alerts.set(episode.fingerprint, [...(alerts.get(episode.fingerprint) ?? []), episode]);
  const alertViews = [...alerts.values()]
    .map((own): IncidentAlert => {
      const newest = own[own.length - 1] as Episode;
      return {
        fingerprint: newest.fingerprint,
        alert_id: newest.alert.alert_id,
        slo: newest.alert.slo,
        severity: newest.alert.severity,
        firing: newest.resolved_at === null,
        first_fired_at: (own[0] as Episode).fired_at,
        last_fired_at: newest.fired_at,
        resolved_at: newest.resolved_at,
        episodes: own.length,
      };
    })
    .sort((a, b) => a.first_fired_at.localeCompare(b.first_fired_at) || a.fingerprint.localeCompare(b.fingerprint));

  const timeline: IncidentEvent[] = [
    ...episodes.flatMap((e) => [
      { at: e.fired_at, event: 'fired' as const, fingerprint: e.fingerprint },
      ...(e.resolved_at === null ? [] : [{ at: e.resolved_at, event: 'resolved' as const, fingerprint: e.fingerprint }]),
    ]),
    ...(escalatedAt === null ? [] : [{ at: escalatedAt, event: 'escalated' as const, fingerprint: null }]),
  ].sort(
    (a, b) =>
      a.at.localeCompare(b.at) || EVENT_RANK[a.event] - EVENT_RANK[b.event] || (a.fingerprint ?? '').localeCompare(b.fingerprint ?? ''),
  );

  const slos = [...new Set(alertViews.map((a) => a.slo))].sort();
  const end = resolvedAt === null ? now.getTime() : ms(resolvedAt);
  return {
    id: incidentIdOf(owner, first.alert.service, openedAt),
    tenant_id: first.alert.tenant_id,
    service: first.alert.service,
    status: resolvedAt !== null ? 'resolved' : escalatedAt !== null ? 'escalated' : 'open',
    severity: alertViews.some((a) => a.severity === 'page') ? 'page' : 'ticket',
    title: `${slos.join(', ')} on ${first.alert.service}${first.alert.tenant_id ? ` (tenant ${first.alert.tenant_id})` : ''}`,
    opened_at: openedAt,
    resolved_at: resolvedAt,
    escalate_at: escalateAt,
    escalated_at: escalatedAt,
    duration_minutes: Math.round(Math.max(0, end - ms(openedAt)) / 6_000) / 10,
    alerts: alertViews,
    timeline,
  };
}

const EVENT_RANK = { fired: 0, escalated: 1, resolved: 2 } as const;

/** Stable for the same owner, service and opening: `inc_` and 22 characters of a digest. */
export function incidentIdOf(owner: string, service: string, openedAt: string): string {
  return `inc_${createHash('sha256').update(`${owner}\n${service}\n${openedAt}`).digest('base64url').slice(0, 22)}`;
}
