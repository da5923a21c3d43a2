import path from 'node:path';
import { tenantryDashboards } from './dashboards';

/** Where the provisioned dashboards live (infra/grafana/provisioning/dashboards points Grafana at them). */
export const DASHBOARDS_DIR = path.resolve(__dirname, '../../../../infra/grafana/dashboards');

/** File name → the JSON each committed dashboard file must hold. */
export function generatedDashboardFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tenantryDashboards()).map(([file, dashboard]) => [file, `${JSON.stringify(dashboard, null, 2)}\n`]),
  );
}
