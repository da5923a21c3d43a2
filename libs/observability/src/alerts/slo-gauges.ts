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
/** Evaluations whose state `latest` holds: observed in the same callback, so a scrape never pairs one round's gauges with another's count. */
let evaluations = 0;
let registered = false;

/**
 * Publishes an evaluation's SLO state on the process's Prometheus endpoint (`/metrics`) and counts the
 * evaluation (`tenantry_slo_evaluations_total`): how many rounds have completed, to watch the loop run and
 * to tell after how many rounds a burn was seen (the gauges of one scrape are those of its count's round).
 */
export function exportSloGauges(statuses: readonly SloStatus[]): void {
  latest = sloGaugeSamples(statuses);
  evaluations += 1;
  if (registered) return;
  registered = true;
  const meter = getMeter('@tenantry/observability');
  const budget = meter.createObservableGauge('tenantry_slo_error_budget_remaining_ratio', {
    description: 'Share of the 30-day error budget left (tenant SLOs: the worst tenant).',
  });
  const burn = meter.createObservableGauge('tenantry_slo_burn_rate', {
    description: 'Error-budget burn rate per window (tenant SLOs: the worst tenant).',
  });
  const firing = meter.createObservableGauge('tenantry_slo_alerts_firing', {
    description: 'Subjects whose burn-rate alert of this severity fires.',
  });
  const rounds = meter.createObservableCounter('tenantry_slo_evaluations', {
    description: 'Burn-rate evaluations completed by this process (the SLO gauges are those of the last one).',
  });
  // One callback reads one evaluation's state: the count and the gauges of a scrape belong together.
  meter.addBatchObservableCallback(
    (result) => {
      const observeAll = (gauge: typeof budget, samples: GaugeSample[]) => {
        for (const sample of samples) result.observe(gauge, sample.value, sample.labels);
      };
      observeAll(budget, latest.budget_remaining);
      observeAll(burn, latest.burn_rate);
      observeAll(firing, latest.alerts_firing);
      result.observe(rounds, evaluations);
    },
    [budget, burn, firing, rounds],
  );
}
