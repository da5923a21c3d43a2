import { PersistentIdempotencyStore } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import { apiKeysCollection } from './api-keys/api-key.collection';
import { ApiKeys } from './api-keys/api-keys';
import { BillingClient } from './billing/billing-client';
import { followSubscriptions } from './subscriptions/follow-subscriptions';
import { createTenantsApp } from './tenants-app';
import { tenantsCollection } from './tenants/tenant.collection';
import { Tenants } from './tenants/tenants';

/**
 * The tenants service (MISSION §4): tenants and their API keys, entitlements from the plan catalog, the
 * tier and status following billing's subscription events, plan changes and usage through billing.
 * Started by the runtime alone (apps/tenants) or with the others (apps/all-in-one).
 */
export const tenantsService: ServiceDefinition = {
  name: 'tenants',
  upstreams: ['billing'],
  // The database (its records, processed event ids, idempotency records, the outbox) and the event bus; no cache.
  needs: { persistence: true, eventBus: true, cache: false },
  async start(platform, logger, context) {
    const clock = () => new Date();
    const [tenantRepository, keyRepository, idempotencyStore, processedEvents] = await Promise.all([
      platform.persistence.repository(tenantsCollection),
      platform.persistence.repository(apiKeysCollection),
      PersistentIdempotencyStore.open(platform.persistence),
      platform.persistence.processedEventStore(),
    ]);
    const outbox = platform.outboxRelay;
    const apiKeys = new ApiKeys({ keys: keyRepository, tenants: tenantRepository, outbox, clock });
    const tenants = new Tenants({
      tenants: tenantRepository,
      apiKeys,
      outbox,
      defaultTier: platform.config.defaultSubscriptionTier,
      clock,
    });

    const billing = new BillingClient({
      baseUrl: () => context.urlOf('billing'),
      internalSecret: platform.config.internalSecret.value,
      logger,
    });

    const subscriptions = await followSubscriptions({ bus: platform.bus, processedEvents, tenants, logger });
    platform.housekeeping.every(idempotencyStore.pruningTask());

    const app = createTenantsApp({
      logger,
      readiness: platform.readiness,
      internalSecret: platform.config.internalSecret.value,
      identityMaxAgeMs: platform.config.identityMaxAgeMs,
      tenants,
      apiKeys,
      tenantRepository,
      billing,
      idempotencyStore,
      clock,
    });
    return {
      app,
      async stop() {
        await subscriptions.stop({ timeoutMs: 10_000 });
      },
    };
  },
};
