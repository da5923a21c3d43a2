import { PLATFORM_SUBJECT, type AlertSeverity, type TenantryEventOf } from '@tenantry/contracts';

/** One burn-rate condition as an alert event measured it. */
export interface BurnRateWindow {
  long_window: string;
  short_window: string;
  factor: number;
  long_burn_rate: number;
  short_burn_rate: number;
}

/** What one `alert.fired` / `alert.resolved` says, in the assistant's terms. */
export interface AlertFact {
  /** The tenant the alert concerns, or PLATFORM_SUBJECT for a service-wide SLO (the document's owner). */
  owner: string;
  alert_id: string;
  slo: string;
  service: string;
  tenant_id: string | null;
  severity: AlertSeverity;
  objective: number;
  /** The transition this event belongs to: an episode starts at `fired_at`, and its resolution carries the same `fired_at`. */
  fired_at: string;
  fired?: { windows: BurnRateWindow[]; budget_remaining: number; summary: string };
  resolved?: { windows: BurnRateWindow[]; budget_remaining: number; resolved_at: string };
}

type AlertEvent = TenantryEventOf<'alert.fired' | 'alert.resolved'>;

const windowsOf = (windows: readonly BurnRateWindow[]): BurnRateWindow[] =>
  windows.map(({ long_window, short_window, factor, long_burn_rate, short_burn_rate }) => ({
    long_window,
    short_window,
    factor,
    long_burn_rate,
    short_burn_rate,
  }));

/** The ONE place that reads `alert.*` data. */
export function alertFactOf(event: AlertEvent): AlertFact {
  const d = event.data;
  const base = {
    owner: d.tenant_id ?? PLATFORM_SUBJECT,
    alert_id: d.alert_id,
    slo: d.slo,
    service: d.service,
    tenant_id: d.tenant_id,
    severity: d.severity,
    objective: d.objective,
    fired_at: d.fired_at,
  };
  if (event.type === 'alert.fired')
    return { ...base, fired: { windows: windowsOf(d.windows), budget_remaining: d.budget_remaining, summary: event.data.summary } };
  return {
    ...base,
    resolved: { windows: windowsOf(d.windows), budget_remaining: d.budget_remaining, resolved_at: event.data.resolved_at },
  };
}
