import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import type { Subscriptions } from './subscriptions';

export const TENANT_EVENTS_CONSUMER_GROUP = 'billing-tenants';

/**
 * Billing's view of the tenants: `tenant.created` opens the billing account with its trial; updates keep
 * the time zone (usage days) and billing e-mail; a cancelled tenant's subscription is cancelled. One
 * tenant's events arrive in order (keyed by tenant), so an update never precedes its creation.
 */
export function subscribeToTenantEvents(bus: EventBus, processedEvents: ProcessedEventStore, subscriptions: Subscriptions): Promise<Subscription> {
  return bus.subscribe({
    groupId: TENANT_EVENTS_CONSUMER_GROUP,
    eventTypes: ['tenant.created', 'tenant.updated', 'tenant.status_changed'],
    retry: DEFAULT_RETRY_POLICY,
    processedEvents,
    async handler(event) {
      switch (event.type) {
        case 'tenant.created':
          return subscriptions.openAccount(event.data);
        case 'tenant.updated':
          return subscriptions.tenantUpdated(event.data);
        case 'tenant.status_changed':
          return subscriptions.tenantStatusChanged(event.data);
      }
    },
  });
}
