import { type CloudEvent, cloudEventSchema } from '@tenantry/contracts';
import type { OutboxEntry } from './records';
import { nextSequence } from './sequence';

/**
 * Events handed to a write are built by service code, so a malformed one is a bug (a 500), never a
 * client's validation problem. The event's subject must be the tenant the write is scoped to: topics
 * are keyed by it, and an event about another tenant written under this one would break isolation.
 */
export class InvalidOutboxEventError extends Error {}

export function toOutboxEntries(tenantId: string, events: readonly CloudEvent[] | undefined): OutboxEntry[] {
  if (!events || events.length === 0) return [];
  const seen = new Set<string>();
  return events.map((event) => {
    const parsed = cloudEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidOutboxEventError(
        `Outbox event is not a valid CloudEvent: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    if (event.subject !== tenantId) {
      throw new InvalidOutboxEventError(
        `Outbox event ${event.id} (${event.type}) has subject "${event.subject}" but is written for another tenant`,
      );
    }
    if (seen.has(event.id)) throw new InvalidOutboxEventError(`Outbox event id ${event.id} appears twice in one write`);
    seen.add(event.id);
    return { eventId: event.id, seq: nextSequence(), payload: JSON.stringify(event), attempts: 0 };
  });
}
