import { getMeter } from '@tenantry/telemetry';
import type { SloStatus } from '../slos/slo-status';

export interface GaugeSample {
  value: number;
  labels: Record<string, string>;
}

export interface SloGaugeSamples {
  budget_remaining: GaugeSample[];
  burn_rate: GaugeSample[];
  alerts_firing: GaugeSample[];
}

/**
 * The SLO state as gauge samples with BOUNDED labels: slo, service, window, severity — never a tenant id.
 * A tenant SLO (one per plan) reports its worst tenant's budget and burn rates and how many tenants fire.
 */
export function sloGaugeSamples(statuses: readonly SloStatus[]): SloGaugeSamples {
  const worst = new Map<string, { service: string; budget: number; rates: Record<string, number>; firing: Map<string, number> }>();
  for (const status of statuses) {
    const entry = worst.get(status.slo) ?? { service: status.service, budget: Infinity, rates: {}, firing: new Map<string, number>() };
    entry.budget = Math.min(entry.budget, status.budget.remaining_fraction);
    for (const [window, rate] of Object.entries(status.burn_rates)) entry.rates[window] = Math.max(entry.rates[window] ?? 0, rate);
    for (const severity of ['page', 'ticket'])
      entry.firing.set(severity, (entry.firing.get(severity) ?? 0) + (status.alerts_firing.includes(severity as 'page') ? 1 : 0));
    worst.set(status.slo, entry);
  }
  const samples: SloGaugeSamples = { budget_remaining: [], burn_rate: [], alerts_firing: [] };
  for (const [slo, entry] of worst) {
    samples.budget_remaining.push({ value: entry.budget, labels: { slo, service: entry.service } });
    for (const [window, rate] of Object.entries(entry.rates))
      samples.burn_rate.push({ value: rate, labels: { slo, service: entry.service, window } });
    for (const [severity, count] of entry.firing)
      samples.alerts_firing.push({ value: count, labels: { slo, service: entry.service, severity } });
  }
  return samples;
}

let latest: SloGaugeSamples = { budget_remaining: [], burn_rate: [], alerts_firing: [] };
let registered = false;

/** Publishes the last evaluation's SLO state on the process's Prometheus endpoint (`/metrics`). */
export function exportSloGauges(statuses: readonly SloStatus[]): void {
  latest = sloGaugeSamples(statuses);
  if (registered) return;
  registered = true;
  const meter = getMeter('@tenantry/observability');
  const gauge = (name: string, description: string, pick: (samples: SloGaugeSamples) => GaugeSample[]) =>
    meter.createObservableGauge(name, { description }).addCallback((result) => {
      for (const sample of pick(latest)) result.observe(sample.value, sample.labels);
    });
  gauge(
    'tenantry_slo_error_budget_remaining_ratio',
    'Share of the 30-day error budget left (tenant SLOs: the worst tenant).',
    (samples) => samples.budget_remaining,
  );
  gauge('tenantry_slo_burn_rate', 'Error-budget burn rate per window (tenant SLOs: the worst tenant).', (samples) => samples.burn_rate);
  gauge('tenantry_slo_alerts_firing', 'Subjects whose burn-rate alert of this severity fires.', (samples) => samples.alerts_firing);
}
