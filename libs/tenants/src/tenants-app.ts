import { createHttpApp, idempotency, requireSignedIdentity, type IdempotencyStore, type ReadinessChecks } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';
import type { ApiKeys } from './api-keys/api-keys';
import { apiKeyRoutes } from './api-keys/api-keys.routes';
import { internalRoutes } from './api-keys/internal.routes';
import type { BillingClient } from './billing/billing-client';
import type { TenantRepository } from './tenants/tenant.collection';
import type { Tenants } from './tenants/tenants';
import { tenantRoutes } from './tenants/tenants.routes';

export const API_PREFIX = '/api/v1/tenants';
export const INTERNAL_PREFIX = '/internal/v1';

export interface TenantsAppDeps {
  logger: Logger;
  readiness?: ReadinessChecks;
  /** INTERNAL_SECRET: verifies the gateway's identity headers and keys idempotency records. */
  internalSecret: string;
  tenants: Tenants;
  apiKeys: ApiKeys;
  tenantRepository: TenantRepository;
  /** Plan changes and metered usage: both are billing's. */
  billing: BillingClient;
  idempotencyStore: IdempotencyStore;
  clock: () => Date;
}

/** The tenants service's HTTP app: every API route behind the gateway signature; probes and /metrics open. */
export function createTenantsApp(deps: TenantsAppDeps): Express {
  const idempotent = idempotency({ store: deps.idempotencyStore, secret: deps.internalSecret, logger: deps.logger, now: deps.clock });
  const signed = requireSignedIdentity(deps.internalSecret);
  return createHttpApp({
    service: 'tenants',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      app.use(
        API_PREFIX,
        signed,
        tenantRoutes({ tenants: deps.tenants, tenantRepository: deps.tenantRepository, billing: deps.billing, idempotent, clock: deps.clock }),
        apiKeyRoutes({ apiKeys: deps.apiKeys, idempotent }),
      );
      app.use(INTERNAL_PREFIX, signed, internalRoutes({ apiKeys: deps.apiKeys }));
    },
  });
}
