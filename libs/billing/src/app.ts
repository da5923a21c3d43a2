import { createHttpApp, notImplemented, type ReadinessChecks } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';

export interface BillingAppDependencies {
  logger: Logger;
  readiness?: ReadinessChecks;
}

/** The billing service's HTTP app. It does not listen: apps/billing/src/main.ts and the all-in-one do. */
export function buildBillingApp({ logger, readiness }: BillingAppDependencies): Express {
  return createHttpApp({
    service: 'billing',
    logger,
    readiness,
    configure(app) {
      app.use('/api/v1/monetization', notImplemented('Plans, subscriptions, usage and invoices'));
    },
  });
}

/** How the runtime starts the billing service (alone in apps/billing, or with the others in apps/all-in-one). */
export const billingService: ServiceDefinition = {
  name: 'billing',
  start: (platform, logger) => ({ app: buildBillingApp({ logger, readiness: platform.readiness }) }),
};
