import { createHttpApp, notImplemented, type ReadinessChecks } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';

export interface GatewayAppDependencies {
  logger: Logger;
  readiness?: ReadinessChecks;
}

/** The gateway service's HTTP app. It does not listen: apps/gateway/src/main.ts and the all-in-one do. */
export function buildGatewayApp({ logger, readiness }: GatewayAppDependencies): Express {
  return createHttpApp({
    service: 'gateway',
    logger,
    readiness,
    configure(app) {
      app.use('/api', notImplemented('The gateway pipeline (authentication, rate limiting, caching, proxying)'));
    },
  });
}

/** How the runtime starts the gateway service (alone in apps/gateway, or with the others in apps/all-in-one). */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  start: (platform, logger) => ({ app: buildGatewayApp({ logger, readiness: platform.readiness }) }),
};
