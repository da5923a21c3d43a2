import { PLATFORM_SUBJECT, type AlertSeverity } from '@tenantry/contracts';
import type { ReadModelEvent } from '../read-models/follow-events';
import { readModelEvent } from './run-action';

/** Builders of observability's alert events, with only what a spec varies as arguments. */

export interface AlertSpec {
  slo: string;
  service: string;
  /** null: a service-wide SLO (published under PLATFORM_SUBJECT). */
  tenantId: string | null;
  severity: AlertSeverity;
  /** The burn rates of the one condition (long window 1h, short 5m, factor 14.4 for page, 6 for ticket). */
  longBurn?: number;
  shortBurn?: number;
  budgetRemaining?: number;
}

export const alertIdOf = (spec: AlertSpec) => `${spec.slo}:${spec.tenantId ?? PLATFORM_SUBJECT}:${spec.severity}`;

function shape(spec: AlertSpec, firedAt: string) {
  const page = spec.severity === 'page';
  return {
    alert_id: alertIdOf(spec),
    slo: spec.slo,
    service: spec.service,
    tenant_id: spec.tenantId,
    severity: spec.severity,
    objective: 0.999,
    windows: [
      {
        long_window: page ? '1h' : '6h',
        short_window: page ? '5m' : '30m',
        factor: page ? 14.4 : 6,
        long_burn_rate: spec.longBurn ?? 20,
        short_burn_rate: spec.shortBurn ?? 25,
      },
    ],
    budget_remaining: spec.budgetRemaining ?? 0.5,
    fired_at: firedAt,
  };
}

export function alertFired(spec: AlertSpec, firedAt: string): ReadModelEvent {
  return readModelEvent(
    'alert.fired',
    spec.tenantId ?? PLATFORM_SUBJECT,
    { ...shape(spec, firedAt), summary: `${spec.slo} burns its error budget (${spec.severity})` },
    firedAt,
  );
}

/** The resolution of the episode that fired at `firedAt` (its burn rates as measured at the resolution: below the factor). */
export function alertResolved(spec: AlertSpec, firedAt: string, resolvedAt: string): ReadModelEvent {
  const data = shape({ ...spec, longBurn: 1, shortBurn: 0.5 }, firedAt);
  return readModelEvent('alert.resolved', spec.tenantId ?? PLATFORM_SUBJECT, { ...data, resolved_at: resolvedAt }, resolvedAt);
}
