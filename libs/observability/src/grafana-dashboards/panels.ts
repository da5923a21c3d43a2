import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  TableSortByFieldStateBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * The few shapes every Tenantry dashboard is made of, so the four dashboards read as lists of queries.
 * Every query goes to the `$datasource` variable (default: the provisioned Prometheus).
 */

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend?: string;
}

/** A dashboard with the datasource picker, a 6-hour range and a 1-minute refresh (rules evaluate every 15 s). */
export function tenantryDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['tenantry', 'generated'])
    .readonly()
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('utc')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
}

function target(query: Query, refId: string, instant = false): DataqueryBuilder {
  const builder = new DataqueryBuilder().expr(query.expr).refId(refId).datasource(DATASOURCE);
  if (query.legend) builder.legendFormat(query.legend);
  return instant ? builder.instant().format(PromQueryFormat.Table) : builder.range();
}

const refId = (index: number) => String.fromCharCode(65 + index);

export function timeseries(
  title: string,
  unit: string,
  queries: readonly Query[],
  options: { width?: number; description?: string; threshold?: number } = {},
): Builder<Panel> {
  const panel = new TimeseriesPanel()
    .title(title)
    .unit(unit)
    .span(options.width ?? 12)
    .height(8)
    .datasource(DATASOURCE);
  if (options.description) panel.description(options.description);
  if (options.threshold !== undefined) {
    panel.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: options.threshold, color: 'red' },
      ]),
    );
    panel.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Line));
  }
  queries.forEach((query, i) => panel.withTarget(target(query, refId(i))));
  return panel;
}

export function stat(title: string, unit: string, query: Query, width = 6): Builder<Panel> {
  return new StatPanel().title(title).unit(unit).span(width).height(4).datasource(DATASOURCE).withTarget(target(query, 'A'));
}

/** An instant table, e.g. error budget left per SLO; `sortAscending` names the column shown worst first. */
export function table(
  title: string,
  unit: string,
  query: Query,
  options: { width?: number; sortAscending?: string; description?: string; thresholds?: ThresholdsConfigBuilder } = {},
): Builder<Panel> {
  const panel = new TablePanel()
    .title(title)
    .unit(unit)
    .span(options.width ?? 12)
    .height(8)
    .datasource(DATASOURCE)
    .withTarget(target(query, 'A', true));
  if (options.description) panel.description(options.description);
  if (options.thresholds) panel.thresholds(options.thresholds);
  if (options.sortAscending) panel.sortBy([new TableSortByFieldStateBuilder().displayName(options.sortAscending).desc(false)]);
  return panel;
}

/** Budget left: red when spent, orange under a quarter, green otherwise. */
export function budgetThresholds(): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: 0, color: 'orange' },
    { value: 0.25, color: 'green' },
  ]);
}
