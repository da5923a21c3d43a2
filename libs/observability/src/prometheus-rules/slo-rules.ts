import {
  BURN_RATE_POLICY,
  defaultSloDefinitions,
  windowSeconds,
  type BurnRateRule,
  type SloDefinition,
} from '../slo-definitions/definitions';
import { errorRatioExpr, latencyBucketSeconds } from './sli-queries';

/** The windows error ratios are recorded for: every window of the burn-rate policy, and the dashboards' 2h and 1d. */
export const RECORDED_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
/** The one alert name of every burn-rate alert; `severity`, `slo` and the windows tell them apart (as in Pyrra). */
export const BURN_RATE_ALERT = 'SLOErrorBudgetBurn';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}
export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/** Sloth's names: `slo:sli_error:ratio_rate5m` … one series per SLO, told apart by the `slo` label. */
export const errorRatioRecord = (window: string): string => `slo:sli_error:ratio_rate${window}`;
export const OBJECTIVE_RECORD = 'slo:objective:ratio';
export const ERROR_BUDGET_RECORD = 'slo:error_budget:ratio';
export const PERIOD_BURN_RATE_RECORD = 'slo:period_burn_rate:ratio';
export const BUDGET_REMAINING_RECORD = 'slo:period_error_budget_remaining:ratio';

/** Fractions printed without binary noise (1 - 0.999 is 0.0010000000000000009). */
const fraction = (value: number): string => String(Number(value.toFixed(10)));

/** The SLOs Prometheus can evaluate: service SLOs. Tenant SLOs need per-tenant data, which only the observability service has. */
export function prometheusSlos(definitions: readonly SloDefinition[] = defaultSloDefinitions()): SloDefinition[] {
  return definitions.filter((slo) => slo.scope === 'service');
}

function sloLabels(slo: SloDefinition): Record<string, string> {
  return { slo: slo.id, service: slo.service, sli: slo.sli.kind };
}

function recordings(slo: SloDefinition): RecordingRule[] {
  const labels = sloLabels(slo);
  const budget = fraction(1 - slo.objective);
  const period = `${slo.window_days}d`;
  const only = `{slo="${slo.id}"}`;
  return [
    ...RECORDED_WINDOWS.map((window) => ({ record: errorRatioRecord(window), expr: errorRatioExpr(slo, window), labels })),
    { record: OBJECTIVE_RECORD, expr: `vector(${fraction(slo.objective)})`, labels },
    { record: ERROR_BUDGET_RECORD, expr: `vector(${budget})`, labels },
    // Over the whole SLO period, the mean of the 5m ratios (as Sloth does): a 30d rate() of raw counters would be too costly.
    { record: errorRatioRecord(period), expr: `avg_over_time(${errorRatioRecord('5m')}${only}[${period}])`, labels },
    { record: PERIOD_BURN_RATE_RECORD, expr: `${errorRatioRecord(period)}${only} / ${budget}`, labels },
    { record: BUDGET_REMAINING_RECORD, expr: `1 - ${PERIOD_BURN_RATE_RECORD}${only}`, labels },
  ];
}

function burnRateAlert(slo: SloDefinition, rule: BurnRateRule): AlertingRule {
  const threshold = `(${rule.factor} * ${fraction(1 - slo.objective)})`;
  const only = `{slo="${slo.id}"}`;
  const budgetShare = (rule.factor * windowSeconds(rule.long_window)) / (slo.window_days * 86_400);
  return {
    alert: BURN_RATE_ALERT,
    expr: `${errorRatioRecord(rule.long_window)}${only} > ${threshold} and ${errorRatioRecord(rule.short_window)}${only} > ${threshold}`,
    labels: {
      ...sloLabels(slo),
      severity: rule.severity,
      long_window: rule.long_window,
      short_window: rule.short_window,
      burn_rate: String(rule.factor),
    },
    annotations: {
      summary: `${slo.id}: error budget burning ${rule.factor}x too fast over ${rule.long_window} and ${rule.short_window}`,
      description:
        `${slo.description} (objective ${fraction(slo.objective * 100)}% over ${slo.window_days} days). ` +
        `The ${rule.long_window} error ratio is {{ $value | humanizePercentage }}; ` +
        `at this rate ${fraction(budgetShare * 100)}% of the budget goes every ${rule.long_window}.`,
    },
  };
}

/**
 * The rule groups for `definitions` under `policy`: one group per SLO with its recording rules (error ratio
 * per window, objective, budget, budget left over the period) and then its multi-window, multi-burn-rate
 * alerts. One group, because a group's rules run in order: the alerts always read the ratios of the same
 * evaluation, while separate groups run in no defined order and an alert would lag a step behind.
 */
export function sloRuleGroups(
  definitions: readonly SloDefinition[] = defaultSloDefinitions(),
  policy: readonly BurnRateRule[] = BURN_RATE_POLICY,
): RuleGroup[] {
  return prometheusSlos(definitions).map((slo) => ({
    name: `slo-${slo.id}`,
    rules: [...recordings(slo), ...policy.map((rule) => burnRateAlert(slo, rule))],
  }));
}

/** The header of the generated file: what it is, where it comes from, what it leaves out. */
export function rulesFileHeader(definitions: readonly SloDefinition[] = defaultSloDefinitions()): string[] {
  const latency = prometheusSlos(definitions).filter((slo) => slo.sli.kind === 'latency');
  const skipped = definitions.filter((slo) => slo.scope !== 'service').map((slo) => slo.id);
  return [
    'GENERATED by `npm run rules:generate` from libs/observability/src/slo-definitions — do not edit by hand.',
    'A test fails when this file and the generator disagree; promtool checks and unit-tests it (infra/prometheus/tests).',
    ...latency.map(
      (slo) =>
        `${slo.id}: "within ${slo.sli.kind === 'latency' ? slo.sli.threshold_ms : 0} ms" is measured at the histogram bucket ` +
        `le=${latencyBucketSeconds(slo.sli.kind === 'latency' ? slo.sli.threshold_ms : 0)} s (the largest bound not above it).`,
    ),
    ...(skipped.length > 0
      ? [`Not here (no tenant labels in Prometheus; the observability service evaluates them): ${skipped.join(', ')}.`]
      : []),
  ];
}
