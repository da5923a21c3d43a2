import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { PrometheusLabels, PrometheusNames } from '@tenantry/telemetry';
import { NON_USER_ROUTES } from '../prometheus-rules/sli-queries';
import {
  BUDGET_REMAINING_RECORD,
  BURN_RATE_ALERT,
  ERROR_BUDGET_RECORD,
  errorRatioRecord,
  OBJECTIVE_RECORD,
} from '../prometheus-rules/slo-rules';
import { BURN_RATE_POLICY, SLO_STATE_LABELS, SLO_STATE_METRICS } from '../slo-definitions/definitions';
import { budgetThresholds, stat, table, tenantryDashboard, timeseries, type Query } from './panels';

/**
 * The four provisioned dashboards (MISSION §4 "observability", issue 12): gateway RED, one service at a
 * time, SLOs with their error budgets worst first, and one tenant's SLOs. Everything they query is a
 * metric services export (@tenantry/telemetry), a recording rule of infra/prometheus/rules, or a gauge
 * of the observability service (SLO_STATE_METRICS) — a test checks each name against those lists.
 */

const { httpServerRequests: REQUESTS, httpServerRequestDuration: DURATION } = PrometheusNames;
const L = PrometheusLabels;
const USER_TRAFFIC = `${L.route}!~"${NON_USER_ROUTES.join('|')}"`;
const RATE = '[$__rate_interval]';

function requests(service: string, ...matchers: string[]): string {
  return `${REQUESTS}{${[`${L.service}=${service}`, USER_TRAFFIC, ...matchers].join(', ')}}`;
}

/** 5xx over valid (non-4xx) requests: the availability SLI's error ratio, grouped by `by`. */
function errorRatio(service: string, by: string | null): string {
  const group = by ? ` by (${by})` : '';
  return `sum${group} (rate(${requests(service, `${L.statusClass}="5xx"`)}${RATE})) / sum${group} (rate(${requests(service, `${L.statusClass}!="4xx"`)}${RATE}))`;
}

function latencyQuantile(quantile: number, service: string, by: string[] = []): string {
  return `histogram_quantile(${quantile}, sum by (${['le', ...by].join(', ')}) (rate(${DURATION}_bucket{${L.service}=${service}, ${USER_TRAFFIC}}${RATE})))`;
}

function latencyPanels(service: string): Builder<Panel>[] {
  return [
    timeseries(
      'Latency p50 / p95 / p99',
      's',
      [0.5, 0.95, 0.99].map((q) => ({ expr: latencyQuantile(q, service), legend: `p${Math.round(q * 100)}` })),
      { description: 'From the histogram buckets: a quantile lies between two bucket bounds, linearly interpolated.' },
    ),
    timeseries('Latency p99 by route', 's', [{ expr: latencyQuantile(0.99, service, [L.route]), legend: `{{${L.route}}}` }]),
  ];
}

export function gatewayRedDashboard(): Dashboard {
  const gateway = '"gateway"';
  const counter = (metric: string, label: string): Query[] => [
    { expr: `sum by (${label}) (rate(${metric}${RATE}))`, legend: `{{${label}}}` },
  ];
  const [latency, latencyByRoute] = latencyPanels(gateway);
  return tenantryDashboard(
    'tenantry-gateway-red',
    'Tenantry / Gateway (RED)',
    'Rate, errors and duration of the gateway, the one door of every tenant, and why it refused requests.',
  )
    .withPanel(stat('Requests / s', 'reqps', { expr: `sum(rate(${requests(gateway)}${RATE}))` }))
    .withPanel(stat('5xx share of valid requests', 'percentunit', { expr: errorRatio(gateway, null) }))
    .withPanel(stat('p99 latency', 's', { expr: latencyQuantile(0.99, gateway) }))
    .withPanel(stat('429 / s', 'reqps', { expr: `sum(rate(${PrometheusNames.gatewayRateLimited}${RATE}))` }))
    .withPanel(
      timeseries('Requests by status class', 'reqps', [
        { expr: `sum by (${L.statusClass}) (rate(${requests(gateway)}${RATE}))`, legend: `{{${L.statusClass}}}` },
      ]),
    )
    .withPanel(timeseries('5xx share by route', 'percentunit', [{ expr: errorRatio(gateway, L.route), legend: `{{${L.route}}}` }]))
    .withPanel(latency as Builder<Panel>)
    .withPanel(latencyByRoute as Builder<Panel>)
    .withPanel(
      timeseries('Rate-limited (429) by policy', 'reqps', counter(PrometheusNames.gatewayRateLimited, L.rateLimitPolicy), { width: 6 }),
    )
    .withPanel(
      timeseries('Refused (401/403) by reason', 'reqps', counter(PrometheusNames.gatewayAuthRefusals, L.refusalReason), { width: 6 }),
    )
    .withPanel(timeseries('Response cache', 'reqps', counter(PrometheusNames.gatewayCacheRequests, L.cacheStatus), { width: 6 }))
    .withPanel(
      timeseries('Upstream connections opened', 'cps', counter(PrometheusNames.gatewayUpstreamConnections, L.upstreamService), {
        width: 6,
      }),
    )
    .build();
}

export function servicesDashboard(): Dashboard {
  const service = '"$service"';
  const [latency, latencyByRoute] = latencyPanels(service);
  return tenantryDashboard(
    'tenantry-services',
    'Tenantry / Service',
    'One service at a time (pick it above): traffic, errors and latency per route.',
  )
    .withVariable(
      new QueryVariableBuilder('service')
        .label('Service')
        .query(`label_values(${REQUESTS}, ${L.service})`)
        .datasource({ type: 'prometheus', uid: '${datasource}' })
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withPanel(
      timeseries('Requests by route', 'reqps', [
        { expr: `sum by (${L.route}) (rate(${requests(service)}${RATE}))`, legend: `{{${L.route}}}` },
      ]),
    )
    .withPanel(
      timeseries('Requests by status class', 'reqps', [
        { expr: `sum by (${L.statusClass}) (rate(${requests(service)}${RATE}))`, legend: `{{${L.statusClass}}}` },
      ]),
    )
    .withPanel(
      timeseries('5xx share of valid requests by route', 'percentunit', [{ expr: errorRatio(service, L.route), legend: `{{${L.route}}}` }]),
    )
    .withPanel(latency as Builder<Panel>)
    .withPanel(latencyByRoute as Builder<Panel>)
    .build();
}

export function slosDashboard(): Dashboard {
  const burnRate = (window: string) => `${errorRatioRecord(window)} / ${ERROR_BUDGET_RECORD}`;
  let board = tenantryDashboard(
    'tenantry-slos',
    'Tenantry / SLOs and error budgets',
    'Every service SLO from the SLO definitions: budget left over the SLO window (worst first), burn rates per alert window, and the burn-rate alerts firing.',
  )
    .withPanel(
      table(
        'Error budget left over 30 days, worst first',
        'percentunit',
        { expr: `sort(${BUDGET_REMAINING_RECORD})` },
        {
          sortAscending: 'Value',
          thresholds: budgetThresholds(),
          description: `${BUDGET_REMAINING_RECORD}: 1 = untouched, 0 = spent, below 0 = overspent.`,
        },
      ),
    )
    .withPanel(table('Burn-rate alerts firing', 'none', { expr: `ALERTS{alertname="${BURN_RATE_ALERT}", alertstate="firing"}` }))
    .withPanel(timeseries('Error budget left', 'percentunit', [{ expr: BUDGET_REMAINING_RECORD, legend: '{{slo}}' }]))
    .withPanel(timeseries('Objective', 'percentunit', [{ expr: OBJECTIVE_RECORD, legend: '{{slo}}' }]));
  for (const rule of BURN_RATE_POLICY) {
    board = board.withPanel(
      timeseries(
        `Burn rate ${rule.long_window} and ${rule.short_window} (${rule.severity} at ${rule.factor}×)`,
        'none',
        [rule.long_window, rule.short_window].map((window) => ({ expr: burnRate(window), legend: `{{slo}} ${window}` })),
        {
          width: 8,
          threshold: rule.factor,
          description: `The alert fires when both windows burn faster than ${rule.factor}× the sustainable rate.`,
        },
      ),
    );
  }
  return board.build();
}

export function tenantDashboard(): Dashboard {
  const M = SLO_STATE_METRICS;
  const tenant = `${SLO_STATE_LABELS.tenantId}="$tenant_id"`;
  return tenantryDashboard(
    'tenantry-tenant',
    'Tenantry / Tenant SLA',
    "One tenant's SLA (plans with an SLA): as the observability service evaluates it from the gateway's per-tenant metrics, maintenance windows excluded.",
  )
    .withVariable(
      new QueryVariableBuilder('tenant_id')
        .label('Tenant')
        .query(`label_values(${M.budgetRemaining}{${SLO_STATE_LABELS.tenantId}!=""}, ${SLO_STATE_LABELS.tenantId})`)
        .datasource({ type: 'prometheus', uid: '${datasource}' })
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withPanel(stat('SLI over 30 days', 'percentunit', { expr: `${M.sli}{${tenant}}`, legend: '{{slo}}' }, 8))
    .withPanel(stat('Error budget left', 'percentunit', { expr: `${M.budgetRemaining}{${tenant}}`, legend: '{{slo}}' }, 8))
    .withPanel(stat('Burn rate 1h', 'none', { expr: `${M.burnRate}{${tenant}, ${SLO_STATE_LABELS.window}="1h"}`, legend: '{{slo}}' }, 8))
    .withPanel(timeseries('Error budget left', 'percentunit', [{ expr: `${M.budgetRemaining}{${tenant}}`, legend: '{{slo}}' }]))
    .withPanel(
      timeseries('Burn rate per window', 'none', [{ expr: `${M.burnRate}{${tenant}}`, legend: `{{${SLO_STATE_LABELS.window}}}` }], {
        threshold: 1,
      }),
    )
    .build();
}

/** File name (in infra/grafana/dashboards) → dashboard. */
export function tenantryDashboards(): Record<string, Dashboard> {
  return {
    'gateway-red.json': gatewayRedDashboard(),
    'services.json': servicesDashboard(),
    'slos.json': slosDashboard(),
    'tenant-sla.json': tenantDashboard(),
  };
}
