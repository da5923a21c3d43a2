import { DEFAULT_RETRY_POLICY, type EventBus, type Subscription } from '@tenantry/event-bus';
import type { Subscriptions } from './subscriptions';
import { tenantFactsOf } from './tenant-facts';

export const TENANT_EVENTS_CONSUMER_GROUP = 'billing-tenants';

/**
 * Billing's view of the tenants: the billing account with its trial, the time zone (usage days), the
 * billing e-mail, and a cancelled tenant's subscription cancelled. The three event types are three
 * topics, so they arrive in any order (a cancellation may overtake the creation): `followTenant` keeps
 * each fact at its newest revision and converges whatever the order (tenant-events.permutations.spec.ts).
 * Idempotent by construction — a redelivered event is not newer than what it set — so no
 * processed-event store.
 */
export function subscribeToTenantEvents(bus: EventBus, subscriptions: Subscriptions): Promise<Subscription> {
  return bus.subscribe({
    groupId: TENANT_EVENTS_CONSUMER_GROUP,
    eventTypes: ['tenant.created', 'tenant.updated', 'tenant.status_changed'],
    retry: DEFAULT_RETRY_POLICY,
    handler: (event) => subscriptions.followTenant(tenantFactsOf(event)),
  });
}
