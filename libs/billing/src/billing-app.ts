import {
  cacheControl,
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
import type { Pricing } from './domain';
import { catalogRoutes } from './http/catalog.routes';
import { internalRoutes } from './http/internal.routes';
import { invoiceRoutes } from './http/invoices.routes';
import { subscriptionRoutes } from './http/subscriptions.routes';
import type { Invoices } from './invoices/invoices';
import type { UsageLedger } from './metering';
import type { Subscriptions } from './subscriptions/subscriptions';

export const API_PREFIX = '/api/v1/monetization';
export const INTERNAL_PREFIX = '/internal/v1';

export interface BillingAppDeps {
  logger: Logger;
  readiness?: ReadinessChecks;
  /** INTERNAL_SECRET: verifies the gateway's identity headers and keys idempotency records. */
  internalSecret: string;
  /** How long a signed identity stays valid (IDENTITY_MAX_AGE; default IDENTITY_MAX_AGE_MS). */
  identityMaxAgeMs?: number;
  subscriptions: Subscriptions;
  invoices: Invoices;
  ledger: UsageLedger;
  pricing: Pricing;
  idempotencyStore: IdempotencyStore;
  clock: () => Date;
}

/** The billing service's HTTP app: the catalog is public; everything else needs the gateway's signature. */
const OPENAPI_INFO = {
  title: 'Tenantry billing API',
  version: '1',
  description:
    'Plans, subscriptions with proration, invoices and usage, through the gateway (`Authorization: Bearer <admin or tenant key>`; the catalog needs none). Amounts are integer cents (EUR). Errors are RFC 9457 problems.',
};

export function createBillingApp(deps: BillingAppDeps): Express {
  const idempotent = idempotency({ store: deps.idempotencyStore, secret: deps.internalSecret, logger: deps.logger, now: deps.clock });
  const signed = requireSignedIdentity(deps.internalSecret, {
    audience: 'billing',
    ...(deps.identityMaxAgeMs === undefined ? {} : { maxAgeMs: deps.identityMaxAgeMs }),
  });
  return createHttpApp({
    service: 'billing',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      const catalog: ApiMount = { prefix: API_PREFIX, tag: 'catalog', router: catalogRoutes(deps.pricing) };
      const tenantApi: ApiMount[] = [
        { prefix: API_PREFIX, tag: 'subscriptions', router: subscriptionRoutes({ subscriptions: deps.subscriptions, idempotent }) },
        {
          prefix: API_PREFIX,
          tag: 'invoices and usage',
          router: invoiceRoutes({
            invoices: deps.invoices,
            subscriptions: deps.subscriptions,
            ledger: deps.ledger,
            pricing: deps.pricing,
            idempotent,
            clock: deps.clock,
          }),
        },
      ];
      // The API's description is public, like the catalog (the gateway serves both without a key).
      app.get(`${API_PREFIX}/openapi.json`, ...openApiRoute(OPENAPI_INFO, [catalog, ...tenantApi]));
      app.use(API_PREFIX, catalog.router);
      app.use(
        API_PREFIX,
        signed,
        // Subscriptions, invoices and usage change without the tenant's doing (renewals, metering): never served from a cache.
        cacheControl('no-store'),
        ...tenantApi.map(({ router }) => router),
      );
      app.use(INTERNAL_PREFIX, signed, internalRoutes({ subscriptions: deps.subscriptions, ledger: deps.ledger }));
    },
  });
}
