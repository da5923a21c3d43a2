import { createHttpApp, notImplemented, type ReadinessChecks } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';

export interface ObservabilityAppDependencies {
  logger: Logger;
  readiness?: ReadinessChecks;
}

/** The observability service's HTTP app. It does not listen: apps/observability/src/main.ts and the all-in-one do. */
export function buildObservabilityApp({ logger, readiness }: ObservabilityAppDependencies): Express {
  return createHttpApp({
    service: 'observability',
    logger,
    readiness,
    configure(app) {
      app.use('/api/v1/observability', notImplemented('Metrics, health, SLOs and SLA reports'));
    },
  });
}

/** How the runtime starts the observability service (alone in apps/observability, or with the others in apps/all-in-one). */
export const observabilityService: ServiceDefinition = {
  name: 'observability',
  start: (platform, logger) => ({ app: buildObservabilityApp({ logger, readiness: platform.readiness }) }),
};
