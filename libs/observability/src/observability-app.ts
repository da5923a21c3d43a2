import { createHttpApp, openApiRoute, requireSignedIdentity, type ApiMount, type ReadinessChecks } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { Express, Router } from 'express';
import { dashboardRoutes } from './dashboard/dashboard.routes';
import { recordRoutes } from './ingest/record.routes';
import { RollupReader } from './ingest/rollup-reader';
import type { RollupWriter } from './ingest/rollup-writer';
import type { RollupRepository } from './ingest/rollup.collection';
import { MaintenanceWindows } from './maintenance/exclusion';
import { maintenanceRoutes } from './maintenance/maintenance.routes';
import { metricsRoutes } from './metrics/metrics.routes';
import { slaReportRoutes } from './sla-reports/sla-report.routes';
import type { SlaReports } from './sla-reports/sla-reports';
import type { TenantProfileStore } from './tenant-profiles/follow-tenants';
import { openSloRoutes } from './slos/openslo.routes';
import { SLI_DESCRIPTION, slaRoutes, type TenantProfiles } from './slos/sla.routes';
import type { SloCatalog } from './slos/slo-catalog';

export const API_PREFIX = '/api/v1/observability';

const OPENAPI_INFO = {
  title: 'Tenantry observability API',
  version: '1',
  description: `Metrics, SLOs and error budgets, through the gateway (\`Authorization: Bearer <admin or tenant key>\`). ${SLI_DESCRIPTION} Errors are RFC 9457 problems.`,
};

export interface ObservabilityAppDeps {
  logger: Logger;
  readiness?: ReadinessChecks;
  internalSecret: string;
  /** How old a gateway signature may be (default IDENTITY_MAX_AGE_MS). */
  identityMaxAgeMs?: number;
  rollups: RollupRepository;
  writer: RollupWriter;
  slos: SloCatalog;
  profiles: TenantProfiles & Pick<TenantProfileStore, 'pageWithSla'>;
  reports: SlaReports;
  /** GET /health and /health/{service} (health/health.routes.ts). */
  health: Router;
  /** The maintenance windows (maintenance/): their minutes are left out of every SLI. */
  maintenance: MaintenanceWindows;
  clock: () => Date;
}

/** The observability service's HTTP app: every API route behind the gateway signature; probes and /metrics open. */
export function createObservabilityApp(deps: ObservabilityAppDeps): Express {
  // A reader per request: it remembers the documents it read, for that request only.
  const reader = (): RollupReader => new RollupReader(deps.rollups);
  return createHttpApp({
    service: 'observability',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      const api: ApiMount[] = [
        { prefix: API_PREFIX, tag: 'health', router: deps.health },
        { prefix: API_PREFIX, tag: 'metrics', router: recordRoutes({ writer: deps.writer }) },
        { prefix: API_PREFIX, tag: 'metrics', router: metricsRoutes({ reader, clock: deps.clock }) },
        {
          prefix: API_PREFIX,
          tag: 'sla-reports',
          router: slaReportRoutes({ reports: deps.reports, tenants: deps.profiles, clock: deps.clock, reader }),
        },
        {
          prefix: API_PREFIX,
          tag: 'slos',
          router: slaRoutes({ reader, slos: deps.slos, profiles: deps.profiles, clock: deps.clock, maintenance: deps.maintenance }),
        },
        { prefix: API_PREFIX, tag: 'maintenance', router: maintenanceRoutes({ windows: deps.maintenance.repository }) },
        { prefix: API_PREFIX, tag: 'slos', router: openSloRoutes({ catalog: deps.slos }) },
        {
          prefix: API_PREFIX,
          tag: 'dashboard',
          router: dashboardRoutes({ reader, slos: deps.slos, clock: deps.clock, maintenance: deps.maintenance }),
        },
      ];
      app.get(`${API_PREFIX}/openapi.json`, ...openApiRoute(OPENAPI_INFO, api));
      app.use(
        API_PREFIX,
        requireSignedIdentity(deps.internalSecret, {
          audience: 'observability',
          ...(deps.identityMaxAgeMs === undefined ? {} : { maxAgeMs: deps.identityMaxAgeMs }),
        }),
        ...api.map(({ router }) => router),
      );
    },
  });
}
