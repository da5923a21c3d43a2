import { cacheControl, createHttpApp, idempotency, requireSignedIdentity, type IdempotencyStore, type ReadinessChecks } from '@tenantry/http';
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
  subscriptions: Subscriptions;
  invoices: Invoices;
  ledger: UsageLedger;
  pricing: Pricing;
  idempotencyStore: IdempotencyStore;
  clock: () => Date;
}

/** The billing service's HTTP app: the catalog is public; everything else needs the gateway's signature. */
export function createBillingApp(deps: BillingAppDeps): Express {
  const idempotent = idempotency({ store: deps.idempotencyStore, secret: deps.internalSecret, logger: deps.logger, now: deps.clock });
  const signed = requireSignedIdentity(deps.internalSecret);
  return createHttpApp({
    service: 'billing',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      app.use(API_PREFIX, catalogRoutes(deps.pricing));
      app.use(
        API_PREFIX,
        signed,
        // Subscriptions, invoices and usage change without the tenant's doing (renewals, metering): never served from a cache.
        cacheControl('no-store'),
        subscriptionRoutes({ subscriptions: deps.subscriptions, idempotent }),
        invoiceRoutes({ invoices: deps.invoices, subscriptions: deps.subscriptions, ledger: deps.ledger, pricing: deps.pricing, idempotent, clock: deps.clock }),
      );
      app.use(INTERNAL_PREFIX, signed, internalRoutes({ subscriptions: deps.subscriptions, ledger: deps.ledger }));
    },
  });
}
