import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import type { SlaCredits } from './sla-credits';

export const SLA_CREDITS_CONSUMER_GROUP = 'billing-sla-credits';

/**
 * `sla.breached` → a pending SLA credit on the tenant's billing account. Processed event ids skip plain
 * redeliveries; the report id on the account makes two events of the same report (observability
 * replicas, a re-run month) one credit.
 */
export function subscribeToSlaBreaches(bus: EventBus, processedEvents: ProcessedEventStore, slaCredits: SlaCredits): Promise<Subscription> {
  return bus.subscribe({
    groupId: SLA_CREDITS_CONSUMER_GROUP,
    eventTypes: ['sla.breached'],
    retry: DEFAULT_RETRY_POLICY,
    processedEvents,
    handler: (event) => slaCredits.receive(event.data),
  });
}
