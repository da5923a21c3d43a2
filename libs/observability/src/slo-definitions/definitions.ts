import { PLAN_CATALOG, PLAN_IDS, type PlanId } from '@tenantry/contracts';
import { SERVICE_NAMES } from '@tenantry/config';

/**
 * SLOs are data. This module is the one source of the default SLO definitions, the burn-rate alert
 * policy and the SLA credit schedule: the observability service evaluates them, and the Prometheus
 * rules and Grafana dashboards in infra/ are generated from them, so the three cannot disagree.
 *
 * Availability SLI = good / valid events: a 5xx answer is bad; 4xx answers (429 included) are the
 * client's doing and are not valid events, so they count neither for nor against the objective.
 * Latency SLI = valid events answered within `threshold_ms` / valid events.
 */

export type SliSpec = { kind: 'availability' } | { kind: 'latency'; threshold_ms: number };

export interface SloDefinition {
  /** Stable id, e.g. `billing-availability`, `billing-latency`, `tenant-availability-pro`. */
  id: string;
  /** A service's own SLO, or one evaluated separately for every tenant on `plan_id` (what that tenant saw). */
  scope: 'service' | 'tenant';
  /** The service measured; tenant SLOs measure the gateway, the tenant's one door to the platform. */
  service: string;
  /** Tenant SLOs: the plan whose SLA they are. */
  plan_id?: PlanId;
  sli: SliSpec;
  /** The objective as a fraction, e.g. 0.999. */
  objective: number;
  /** The rolling window of the error budget. */
  window_days: number;
  description: string;
}

export type AlertSeverity = 'page' | 'ticket';

export interface BurnRateRule {
  severity: AlertSeverity;
  long_window: string;
  short_window: string;
  /** Fire when both windows burn the budget faster than this multiple of the sustainable rate. */
  factor: number;
}

/** The SRE workbook's multi-window, multi-burn-rate policy for a 30-day budget. */
export const BURN_RATE_POLICY: readonly BurnRateRule[] = [
  { severity: 'page', long_window: '1h', short_window: '5m', factor: 14.4 },
  { severity: 'page', long_window: '6h', short_window: '30m', factor: 6 },
  { severity: 'ticket', long_window: '3d', short_window: '6h', factor: 1 },
];

/** A window name (`5m`, `1h`, `3d`) in seconds. */
export function windowSeconds(window: string): number {
  const match = /^(\d+)([mhd])$/.exec(window);
  if (!match) throw new Error(`Not a window: ${window}`);
  const unit = { m: 60, h: 3_600, d: 86_400 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export interface CreditTier {
  /** The tier applies when achieved availability is below this fraction; `'objective'` is the SLA itself. */
  below: number | 'objective';
  /** Credit in percent of the month's subscription fee. */
  percent: number;
}

/** Default SLA credit schedule (MISSION §4): the highest tier whose bound is missed applies. */
export const DEFAULT_CREDIT_SCHEDULE: readonly CreditTier[] = [
  { below: 'objective', percent: 10 },
  { below: 0.99, percent: 25 },
  { below: 0.95, percent: 50 },
];

export const SLO_WINDOW_DAYS = 30;

/** Per-service objectives the platform holds itself to, whatever the tenants' plans. */
export const SERVICE_AVAILABILITY_OBJECTIVE = 0.999;
export const SERVICE_LATENCY = { objective: 0.99, threshold_ms: 300 } as const;

/** The SLA objective of a plan as a fraction, or null when the plan has no SLA. */
export function planSlaObjective(planId: PlanId): number | null {
  const percent = PLAN_CATALOG[planId].slaTargetPercent;
  // Rounded: 99.9 / 100 is 0.9990000000000001 in binary floating point.
  return percent === null ? null : Number((percent / 100).toFixed(8));
}

/** The default SLO definitions: availability and latency per service, availability per SLA plan's tenants. */
export function defaultSloDefinitions(): SloDefinition[] {
  const services = SERVICE_NAMES.flatMap((service): SloDefinition[] => [
    {
      id: `${service}-availability`,
      scope: 'service',
      service,
      sli: { kind: 'availability' },
      objective: SERVICE_AVAILABILITY_OBJECTIVE,
      window_days: SLO_WINDOW_DAYS,
      description: `Share of valid requests to ${service} answered without a 5xx`,
    },
    {
      id: `${service}-latency`,
      scope: 'service',
      service,
      sli: { kind: 'latency', threshold_ms: SERVICE_LATENCY.threshold_ms },
      objective: SERVICE_LATENCY.objective,
      window_days: SLO_WINDOW_DAYS,
      description: `Share of valid requests to ${service} answered within ${SERVICE_LATENCY.threshold_ms} ms`,
    },
  ]);
  const tenants = PLAN_IDS.flatMap((planId): SloDefinition[] => {
    const objective = planSlaObjective(planId);
    if (objective === null) return [];
    return [
      {
        id: `tenant-availability-${planId}`,
        scope: 'tenant',
        service: 'gateway',
        plan_id: planId,
        sli: { kind: 'availability' },
        objective,
        window_days: SLO_WINDOW_DAYS,
        description: `The ${PLAN_CATALOG[planId].name} plan's SLA: share of a tenant's valid requests answered without a 5xx`,
      },
    ];
  });
  return [...services, ...tenants];
}

/**
 * The gauges through which the observability service exports its SLO state to Prometheus; the Grafana
 * dashboards in infra/grafana read them (the per-tenant one only from them: Prometheus' own request
 * metrics carry no tenant). Labels: `slo`, `service`, `tenant_id` (empty for a service SLO; only tenants
 * on a plan with an SLA), and `window` on burn rates (the windows of BURN_RATE_POLICY).
 */
export const SLO_STATE_METRICS = {
  /** The SLI achieved over the SLO's rolling window, as a fraction. */
  sli: 'tenantry_slo_sli_ratio',
  /** The share of the error budget left over the rolling window (negative once overspent). */
  budgetRemaining: 'tenantry_slo_error_budget_remaining_ratio',
  /** The burn rate over `window`: 1 spends the budget exactly over the SLO window. */
  burnRate: 'tenantry_slo_burn_rate',
} as const;

export const SLO_STATE_LABELS = { slo: 'slo', service: 'service', tenantId: 'tenant_id', window: 'window' } as const;
