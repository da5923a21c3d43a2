/** One event waiting in a document's outbox. The CloudEvent is kept as its JSON text (see README). */
export interface OutboxEntry {
  eventId: string;
  /** Process-monotonic sequence (microsecond clock): the commit order used to order events per tenant. */
  seq: number;
  payload: string;
  attempts: number;
  lastError?: string;
}

/**
 * The storage shape of a document, the same in MongoDB and in memory: the validated fields at the top
 * level next to the system fields, and the outbox bookkeeping in `_`-prefixed fields that reads never return.
 */
export interface StoredRecord {
  _id: string;
  tenantId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Pending events, oldest first. */
  _outbox: OutboxEntry[];
  /** Sequence of the oldest pending event; absent when none is pending. May lag low, never high. */
  _outboxHead?: number;
  /** Epoch ms until which a relay holds the pending events; 0 when free. */
  _outboxLeaseUntil: number;
  _outboxLeaseId?: string;
  /** Grows on every write to the document: the compare-and-set token for outbox bookkeeping. */
  _outboxRev: number;
  /** Set on a deleted document that still has events to publish (a tombstone); removed once they are. */
  _deletedAt?: Date;
  [field: string]: unknown;
}

/** The outbox part of a record, as the outbox source reads it. */
export interface OutboxState {
  outbox: OutboxEntry[];
  rev: number;
  leaseId: string | undefined;
  deleted: boolean;
}

export function outboxStateOf(record: Pick<StoredRecord, '_outbox' | '_outboxRev' | '_outboxLeaseId' | '_deletedAt'>): OutboxState {
  return {
    outbox: record._outbox ?? [],
    rev: record._outboxRev ?? 0,
    leaseId: record._outboxLeaseId,
    deleted: record._deletedAt !== undefined && record._deletedAt !== null,
  };
}

/** The smallest sequence among entries, or undefined when there are none. */
export function headOf(entries: readonly OutboxEntry[]): number | undefined {
  return entries.length === 0 ? undefined : Math.min(...entries.map((entry) => entry.seq));
}
