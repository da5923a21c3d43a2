import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PrometheusLabels, PrometheusNames } from '@tenantry/telemetry';
import { sloRuleGroups } from '../prometheus-rules/slo-rules';
import { BURN_RATE_POLICY, SLO_STATE_LABELS, SLO_STATE_METRICS } from '../slo-definitions/definitions';
import { DASHBOARDS_DIR, generatedDashboardFiles } from './dashboard-files';
import { tenantryDashboards } from './dashboards';
import { promqlReferences } from './promql-references';

/** What a dashboard may query: what services export, what the rules record, what observability exports, and Prometheus' ALERTS. */
const KNOWN_METRICS = new Set<string>([
  ...Object.values(PrometheusNames),
  ...['_bucket', '_count', '_sum'].map((suffix) => `${PrometheusNames.httpServerRequestDuration}${suffix}`),
  ...sloRuleGroups().flatMap((group) => group.rules.flatMap((rule) => ('record' in rule ? [rule.record] : []))),
  ...Object.values(SLO_STATE_METRICS),
  'ALERTS',
]);
const KNOWN_LABELS = new Set<string>([
  ...Object.values(PrometheusLabels),
  ...Object.values(SLO_STATE_LABELS),
  'le',
  'sli',
  'alertname',
  'alertstate',
]);

interface Queried {
  dashboard: string;
  expr: string;
}

/** Every PromQL of a dashboard: panel targets and query variables. */
function queriesOf(file: string, dashboard: unknown): Queried[] {
  const found: Queried[] = [];
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item));
    if (node && typeof node === 'object') return Object.entries(node).forEach(([name, value]) => visit(value, name));
    if (typeof node === 'string' && (key === 'expr' || (key === 'query' && node.startsWith('label_values('))))
      found.push({ dashboard: file, expr: node });
  };
  visit(dashboard);
  return found;
}

describe('Grafana dashboards', () => {
  it('when dashboards.ts changes, then the committed JSON must be regenerated (npm run dashboards:generate)', () => {
    const generated = generatedDashboardFiles();
    expect(
      readdirSync(DASHBOARDS_DIR)
        .filter((file) => file.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(generated).sort());
    for (const [file, json] of Object.entries(generated))
      expect({ file, json: readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8') }).toEqual({ file, json });
  });

  it('when a panel queries Prometheus, then every metric and label it names exists (exported, recorded by the SLO rules, or exported by observability)', () => {
    const queries = Object.entries(tenantryDashboards()).flatMap(([file, dashboard]) => queriesOf(file, dashboard));
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap(({ dashboard, expr }) => {
      const { metrics, labels } = promqlReferences(expr);
      return [
        ...metrics.filter((metric) => !KNOWN_METRICS.has(metric)).map((metric) => `${dashboard}: metric ${metric} in ${expr}`),
        ...labels.filter((label) => !KNOWN_LABELS.has(label)).map((label) => `${dashboard}: label ${label} in ${expr}`),
      ];
    });
    expect(unknown).toEqual([]);
  });

  it('when the dashboards are built, then each has its own uid and the SLO one shows a burn-rate panel per rule of the policy', () => {
    const dashboards = Object.values(tenantryDashboards());
    expect(new Set(dashboards.map((dashboard) => dashboard.uid)).size).toBe(dashboards.length);
    const slos = dashboards.find((dashboard) => dashboard.uid === 'tenantry-slos');
    const titles = (slos?.panels ?? []).map((panel) => ('title' in panel ? panel.title : ''));
    for (const rule of BURN_RATE_POLICY)
      expect(titles).toContain(`Burn rate ${rule.long_window} and ${rule.short_window} (${rule.severity} at ${rule.factor}×)`);
    expect(titles[0]).toBe('Error budget left over 30 days, worst first');
  });
});

describe('the PromQL reference finder the dashboard check relies on', () => {
  it('when an expression aggregates, matches labels and calls functions, then only metrics and label names come out', () => {
    expect(
      promqlReferences(
        'histogram_quantile(0.99, sum by (le, http_route) (rate(tenantry_x_bucket{service="$service", http_route!~"/health|/ready"}[$__rate_interval]))) / on(slo) slo:error_budget:ratio > 1e3',
      ),
    ).toEqual({
      metrics: ['tenantry_x_bucket', 'slo:error_budget:ratio'],
      labels: ['service', 'http_route', 'le', 'slo'],
    });
    expect(promqlReferences('label_values(tenantry_slo_burn_rate{tenant_id!=""}, tenant_id)')).toEqual({
      metrics: ['tenantry_slo_burn_rate'],
      labels: ['tenant_id'],
    });
  });

  it('when a dashboard names a metric nothing exports, then the check sees it', () => {
    const { metrics } = promqlReferences('sum(rate(tenantry_http_server_request_total[5m]))');
    expect(metrics.filter((metric) => !KNOWN_METRICS.has(metric))).toEqual(['tenantry_http_server_request_total']);
  });
});
