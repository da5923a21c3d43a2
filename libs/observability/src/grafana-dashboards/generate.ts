import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DASHBOARDS_DIR, generatedDashboardFiles } from './dashboard-files';

/** `npm run dashboards:generate`: rewrites infra/grafana/dashboards/*.json from dashboards.ts. */
mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const [file, json] of Object.entries(generatedDashboardFiles())) {
  writeFileSync(path.join(DASHBOARDS_DIR, file), json);
  process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(DASHBOARDS_DIR, file))}\n`);
}
