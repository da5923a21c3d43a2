import { PersistentIdempotencyStore } from '@tenantry/http';
import type { ServiceDefinition } from '@tenantry/runtime';
import { apiKeysCollection } from './api-keys/api-key.collection';
import { ApiKeys } from './api-keys/api-keys';
import { createTenantsApp } from './tenants-app';
import { tenantsCollection } from './tenants/tenant.collection';
import { Tenants } from './tenants/tenants';
import { UsageMeter } from './usage/usage-meter';
import { usageMonthsCollection } from './usage/usage.collection';

/** How often expired idempotency records are deleted (a collection scan, so rarely). */
const IDEMPOTENCY_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The tenants service (MISSION §4): tenants and their API keys, entitlements from the plan catalog, and
 * API-call usage counted from the gateway's `metric.recorded` events. Started by the runtime alone
 * (apps/tenants) or with the others (apps/all-in-one).
 */
export const tenantsService: ServiceDefinition = {
  name: 'tenants',
  async start(platform, logger) {
    const clock = () => new Date();
    const [tenantRepository, keyRepository, usage, idempotencyStore, processedEvents] = await Promise.all([
      platform.persistence.repository(tenantsCollection),
      platform.persistence.repository(apiKeysCollection),
      platform.persistence.repository(usageMonthsCollection),
      PersistentIdempotencyStore.open(platform.persistence),
      platform.persistence.processedEventStore(),
    ]);
    const outbox = platform.outboxRelay;
    const apiKeys = new ApiKeys({ keys: keyRepository, tenants: tenantRepository, outbox, clock });
    const tenants = new Tenants({ tenants: tenantRepository, apiKeys, outbox, defaultTier: platform.config.defaultSubscriptionTier, clock });

    const usageSubscription = await new UsageMeter({ usage, tenants: tenantRepository, logger }).subscribe(platform.bus, processedEvents);
    const pruning = setInterval(() => {
      idempotencyStore.pruneExpired(clock()).catch((error: unknown) => logger.warn({ err: error }, 'pruning expired idempotency records failed'));
    }, IDEMPOTENCY_PRUNE_INTERVAL_MS);
    pruning.unref();

    const app = createTenantsApp({
      logger,
      readiness: platform.readiness,
      internalSecret: platform.config.internalSecret.value,
      tenants,
      apiKeys,
      tenantRepository,
      usage,
      idempotencyStore,
      clock,
    });
    return {
      app,
      async stop() {
        clearInterval(pruning);
        await usageSubscription.stop({ timeoutMs: 10_000 });
      },
    };
  },
};
