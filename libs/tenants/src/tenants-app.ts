import {
  createHttpApp,
  idempotency,
  openApiRoute,
  requireSignedIdentity,
  type ApiMount,
  type IdempotencyStore,
  type ReadinessChecks,
} from '@tenantry/http';
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

const OPENAPI_INFO = {
  title: 'Tenantry tenants API',
  version: '1',
  description:
    'Tenant lifecycle and API keys, through the gateway (`Authorization: Bearer <admin or tenant key>`). Errors are RFC 9457 problems.',
};

export interface TenantsAppDeps {
  logger: Logger;
  readiness?: ReadinessChecks;
  /** INTERNAL_SECRET: verifies the gateway's identity headers and keys idempotency records. */
  internalSecret: string;
  /** How long a signed identity stays valid (IDENTITY_MAX_AGE; default IDENTITY_MAX_AGE_MS). */
  identityMaxAgeMs?: number;
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
  const signed = requireSignedIdentity(deps.internalSecret, {
    audience: 'tenants',
    ...(deps.identityMaxAgeMs === undefined ? {} : { maxAgeMs: deps.identityMaxAgeMs }),
  });
  return createHttpApp({
    service: 'tenants',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      const api: ApiMount[] = [
        {
          prefix: API_PREFIX,
          tag: 'tenants',
          router: tenantRoutes({
            tenants: deps.tenants,
            tenantRepository: deps.tenantRepository,
            billing: deps.billing,
            idempotent,
            clock: deps.clock,
          }),
        },
        { prefix: API_PREFIX, tag: 'api-keys', router: apiKeyRoutes({ apiKeys: deps.apiKeys, idempotent }) },
      ];
      // The API's description is public (the gateway serves it without a key): mounted before the signature check.
      app.get(`${API_PREFIX}/openapi.json`, ...openApiRoute(OPENAPI_INFO, api));
      app.use(API_PREFIX, signed, ...api.map(({ router }) => router));
      app.use(INTERNAL_PREFIX, signed, internalRoutes({ apiKeys: deps.apiKeys }));
    },
  });
}
