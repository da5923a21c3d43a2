import { SUBSCRIPTION_EVENT_TYPES, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import type { KeyResolver } from './auth/key-resolver';
import { planInForceAfter, type PlansInForce, type SubscriptionEvent } from './auth/plans-in-force';
import type { ResponseCache } from './response-cache';

/** Events after which what the gateway remembers about a tenant may be wrong. */
export const INVALIDATING_EVENTS = [
  'tenant.api_key_revoked',
  'tenant.status_changed',
  'tenant.updated',
  ...SUBSCRIPTION_EVENT_TYPES,
] as const;

const SUBSCRIPTION_TYPES: ReadonlySet<string> = new Set(SUBSCRIPTION_EVENT_TYPES);

export interface InvalidationOptions extends InvalidationTargets {
  bus: EventBus;
  /** Unique per gateway instance: every instance must see every event. */
  groupId: string;
}

/** What an invalidating event acts on. */
export interface InvalidationTargets {
  keys: Pick<KeyResolver, 'forgetKey' | 'forgetTenant'>;
  /** Fed by the subscription events: the plan each tenant is on, applied from the next request. */
  plans: PlansInForce;
  responseCache: Pick<ResponseCache, 'purgeTenant'>;
  logger: Logger;
}

/**
 * Keeps the gateway's caches honest: a revoked key is forgotten at once; a tenant whose status, time
 * zone or plan changed is re-resolved on its next request, and its cached responses are purged (its
 * plan or status may change what the services answer). A subscription event also records the plan it
 * puts in force, which applies from the next request even while the tenants service (consuming the same
 * event in its own group) still answers the old one; a subscription event older than one already seen
 * changes nothing. Handlers are idempotent, so redelivery is harmless.
 */
export function subscribeToInvalidations(options: InvalidationOptions): Promise<Subscription> {
  return options.bus.subscribe({
    groupId: options.groupId,
    eventTypes: INVALIDATING_EVENTS,
    fromBeginning: false,
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
    handler: invalidationHandler(options),
  });
}

/**
 * One invalidating event applied to the gateway's caches. Converges in any order (invalidation.permutations.spec.ts):
 * forgetting and purging can be repeated at will, and the plan in force follows the highest revision.
 */
export function invalidationHandler(
  targets: InvalidationTargets,
): (event: TenantryEventOf<(typeof INVALIDATING_EVENTS)[number]>) => Promise<void> {
  const { keys, plans, responseCache, logger } = targets;
  return async (event) => {
    if (event.type === 'tenant.api_key_revoked') {
      keys.forgetKey(event.data.key_id);
      return;
    }
    if (isSubscriptionEvent(event)) {
      const plan = planInForceAfter(event);
      if (!plans.record(event.subject, plan)) {
        logger.debug(
          { type: event.type, tenantId: event.subject, revision: plan.revision },
          'subscription event older than the plan in force: ignored',
        );
        return;
      }
      logger.info({ type: event.type, tenantId: event.subject, planId: plan.planId, revision: plan.revision }, 'plan in force changed');
    }
    keys.forgetTenant(event.subject);
    // A purge that fails (cache down) is remembered by the cache, which serves none of the tenant's
    // entries until a later purge succeeds: retrying here would only end in the DLQ.
    await responseCache
      .purgeTenant(event.subject)
      .catch((error: unknown) => logger.warn({ err: error, tenantId: event.subject }, 'response cache purge deferred'));
    logger.debug({ type: event.type, tenantId: event.subject }, 'gateway caches invalidated');
  };
}

function isSubscriptionEvent(event: { type: string }): event is SubscriptionEvent {
  return SUBSCRIPTION_TYPES.has(event.type);
}
