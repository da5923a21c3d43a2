import type { CloudEvent } from '@tenantry/contracts';

/**
 * Where committed-but-unpublished events wait (the transactional outbox). Persistence implements it:
 * a state change and its events are written in ONE document write, so no multi-document transaction
 * is needed; the relay then publishes what is pending and acknowledges it here.
 */
export interface OutboxSource {
  /**
   * Claims up to `limit` pending events for `leaseMs` (so two relays do not publish the same batch at
   * once; an expired lease is claimable again, which covers a relay that died mid-batch). Events of one
   * tenant come in the order they were committed.
   */
  claimPending(limit: number, leaseMs: number): Promise<PendingOutboxEvent[]>;
  /** The bus acknowledged these: remove them from the outbox. */
  markPublished(refs: readonly OutboxRef[]): Promise<void>;
  /** Publishing failed: record the attempt and the error, and make them claimable again. */
  markFailed(refs: readonly OutboxRef[], error: string): Promise<void>;
  /**
   * Optional: gives up whatever this source reserved between rounds (a relay keeps its lease while it
   * finds work), so another relay can go on at once. The relay calls it when it stops.
   */
  release?(): Promise<void>;
}

/** Identifies one outbox entry inside the document that holds it. */
export interface OutboxRef {
  collection: string;
  documentId: string;
  eventId: string;
}

export interface PendingOutboxEvent {
  ref: OutboxRef;
  event: CloudEvent;
  /** How many publish attempts failed before this one. */
  attempts: number;
}

/**
 * Processed event ids per consumer group, for idempotent consumers. A handler runs only for an event
 * id its group has not completed; the id is recorded after the handler succeeded, so a crash between
 * the two redelivers the event (handlers must tolerate that one window, e.g. by upserting).
 */
export interface ProcessedEventStore {
  isProcessed(consumerGroup: string, eventId: string): Promise<boolean>;
  markProcessed(consumerGroup: string, eventId: string): Promise<void>;
  /**
   * Optional, for consumers that read batches (Kafka): which of these ids the group completed, in one
   * call instead of one `isProcessed` each. Without it the consumer calls `isProcessed` per event.
   */
  processedAmong?(consumerGroup: string, eventIds: readonly string[]): Promise<Set<string>>;
  /** Optional: records all of these ids in one call (duplicates are fine); else `markProcessed` each. */
  markAllProcessed?(consumerGroup: string, eventIds: readonly string[]): Promise<void>;
  /**
   * Forgets the ids recorded before `cutoff`, of every group; returns how many. Keep the cutoff well
   * beyond the longest time an event can be redelivered (the topics' retention).
   */
  deleteProcessedBefore(cutoff: Date): Promise<number>;
}
