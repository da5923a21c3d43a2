import { readFileSync } from 'node:fs';
import { defaultSloDefinitions, type SloDefinition } from '../slo-definitions/definitions';
import { generatedSloRules, SLO_RULES_FILE } from './rules-file';
import { latencyBucketSeconds } from './sli-queries';
import { BURN_RATE_ALERT, errorRatioRecord, RECORDED_WINDOWS, sloRuleGroups, type AlertingRule, type RecordingRule } from './slo-rules';

const billingAvailability: SloDefinition = {
  id: 'billing-availability',
  scope: 'service',
  service: 'billing',
  sli: { kind: 'availability' },
  objective: 0.999,
  window_days: 30,
  description: 'billing answers',
};

describe('Prometheus SLO rules', () => {
  it('when the SLO definitions change, then the committed rule file must be regenerated (npm run rules:generate)', () => {
    expect(readFileSync(SLO_RULES_FILE, 'utf8')).toBe(generatedSloRules());
  });

  it('when a service SLO is defined, then its error ratio is recorded for every window and the 30-day budget left is derived from them', () => {
    const [group] = sloRuleGroups([billingAvailability]);
    const rules = group?.rules.filter((rule): rule is RecordingRule => 'record' in rule) ?? [];
    expect(rules.map((rule) => rule.record)).toEqual([
      ...RECORDED_WINDOWS.map((window) => `slo:sli_error:ratio_rate${window}`),
      'slo:objective:ratio',
      'slo:error_budget:ratio',
      'slo:sli_error:ratio_rate30d',
      'slo:period_burn_rate:ratio',
      'slo:period_error_budget_remaining:ratio',
    ]);
    expect(rules.every((rule) => rule.labels['slo'] === 'billing-availability' && rule.labels['service'] === 'billing')).toBe(true);
    expect(rules.find((rule) => rule.record === 'slo:error_budget:ratio')?.expr).toBe('vector(0.001)');
  });

  it('when the burn-rate policy is applied, then each of its rules is one alert with its severity and thresholds of factor × budget', () => {
    const alerts = sloRuleGroups([billingAvailability])[0]?.rules.filter((rule): rule is AlertingRule => 'alert' in rule) ?? [];
    expect(alerts.map((alert) => [alert.alert, alert.labels['severity'], alert.expr])).toEqual([
      [
        BURN_RATE_ALERT,
        'page',
        'slo:sli_error:ratio_rate1h{slo="billing-availability"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo="billing-availability"} > (14.4 * 0.001)',
      ],
      [
        BURN_RATE_ALERT,
        'page',
        'slo:sli_error:ratio_rate6h{slo="billing-availability"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo="billing-availability"} > (6 * 0.001)',
      ],
      [
        BURN_RATE_ALERT,
        'ticket',
        'slo:sli_error:ratio_rate3d{slo="billing-availability"} > (1 * 0.001) and slo:sli_error:ratio_rate6h{slo="billing-availability"} > (1 * 0.001)',
      ],
    ]);
  });

  it('when SLOs are per tenant, then they are left to the observability service (Prometheus has no tenant labels)', () => {
    const slos = sloRuleGroups().flatMap((group) => group.rules.map((rule) => rule.labels['slo']));
    const tenantSlos = defaultSloDefinitions().filter((slo) => slo.scope === 'tenant');
    expect(tenantSlos.length).toBeGreaterThan(0);
    for (const slo of tenantSlos) expect(slos).not.toContain(slo.id);
    expect(new Set(slos)).toEqual(
      new Set(
        defaultSloDefinitions()
          .filter((slo) => slo.scope === 'service')
          .map((slo) => slo.id),
      ),
    );
  });

  it('when a latency threshold falls between histogram buckets, then the bucket below it is used (stricter, never laxer)', () => {
    expect(latencyBucketSeconds(300)).toBe(0.25);
    expect(latencyBucketSeconds(250)).toBe(0.25);
    expect(latencyBucketSeconds(1_000)).toBe(1);
    expect(() => latencyBucketSeconds(0.1)).toThrow(/No histogram bucket/);
    const latency: SloDefinition = { ...billingAvailability, id: 'billing-latency', sli: { kind: 'latency', threshold_ms: 1_000 } };
    const expr = (sloRuleGroups([latency])[0]?.rules[0] as RecordingRule).expr;
    // Prometheus 3 writes the bound 1 as "1.0": both spellings match.
    expect(expr).toContain('le=~"1(\\\\.0)?"');
    expect(errorRatioRecord('5m')).toBe('slo:sli_error:ratio_rate5m');
  });
});
