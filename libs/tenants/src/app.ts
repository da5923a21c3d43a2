import { createHttpApp, notImplemented, type ReadinessChecks } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';

export interface TenantsAppDependencies {
  logger: Logger;
  readiness?: ReadinessChecks;
}

/** The tenants service's HTTP app. It does not listen: apps/tenants/src/main.ts and the all-in-one do. */
export function buildTenantsApp({ logger, readiness }: TenantsAppDependencies): Express {
  return createHttpApp({
    service: 'tenants',
    logger,
    readiness,
    configure(app) {
      app.use('/api/v1/tenants', notImplemented('Tenant lifecycle and API keys'));
    },
  });
}

/** How the runtime starts the tenants service (alone in apps/tenants, or with the others in apps/all-in-one). */
export const tenantsService: ServiceDefinition = {
  name: 'tenants',
  start: (platform, logger) => ({ app: buildTenantsApp({ logger, readiness: platform.readiness }) }),
};
