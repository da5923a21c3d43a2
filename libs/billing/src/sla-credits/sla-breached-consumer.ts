import { DEFAULT_RETRY_POLICY, type EventBus, type Subscription } from '@tenantry/event-bus';
import type { SlaCredits } from './sla-credits';

export const SLA_CREDITS_CONSUMER_GROUP = 'billing-sla-credits';

/**
 * `sla.breached` → a pending SLA credit on the tenant's billing account. Idempotent by construction,
 * without a processed-event store: the credit is keyed by its report id, which the account's ledger
 * remembers (pending or applied, `withPendingCredit` returns null for a known one) and which is the id
 * of a parked credit (a second insert conflicts). A redelivery, or two events of the same report
 * (observability replicas, a re-run month), make one credit.
 */
export function subscribeToSlaBreaches(bus: EventBus, slaCredits: SlaCredits): Promise<Subscription> {
  return bus.subscribe({
    groupId: SLA_CREDITS_CONSUMER_GROUP,
    eventTypes: ['sla.breached'],
    retry: DEFAULT_RETRY_POLICY,
    handler: (event) => slaCredits.receive(event.data),
  });
}
