/** One event in a document's outbox. The CloudEvent is kept as its JSON text (see README). */
export interface OutboxEntry {
  eventId: string;
  /** Process-monotonic sequence (microsecond clock): the commit order used to order events per tenant. */
  seq: number;
  payload: string;
  /** Written as 0; failed attempts are counted on the entry's marker. */
  attempts: number;
  lastError?: string;
  /**
   * Token of the outbox marker written with this entry (see outbox-markers.ts). Absent on entries
   * written before markers existed: they belong to the marker with the legacy token.
   */
  marker?: string;
}

/**
 * The storage shape of a document, the same in MongoDB and in memory: the validated fields at the top
 * level next to the system fields, and the outbox in `_`-prefixed fields that reads never return.
 */
export interface StoredRecord {
  _id: string;
  tenantId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The events of this document's recent writes, oldest first. An entry is pending while its marker
   * exists and does not list it as published; published entries are dropped by the document's next write.
   */
  _outbox: OutboxEntry[];
  /** Set on a deleted document that still has events to publish (a tombstone); removed once they are. */
  _deletedAt?: Date;
  [field: string]: unknown;
}

/**
 * "A write queued events in this document": a small document in a per-collection side collection,
 * written before the state write whose entries carry its token, and removed once they are all
 * published. The relay reads markers instead of scanning the collection (see outbox-markers.ts).
 */
export interface OutboxMarker {
  /** `<document id>#<token>`: one marker per write that queued events. */
  _id: string;
  doc: string;
  token: string;
  /** Sequence of the oldest entry of that write not yet published (a lower bound): the claim order. */
  head: number;
  /** Epoch ms when the marker was written. */
  at: number;
  /** Event ids of the write already published (when only some were). */
  published?: string[];
  /** Failed publish attempts of the write's events, and the last error. */
  attempts?: number;
  lastError?: string;
}

/** The outbox part of a document, as the relay reads it. */
export interface OutboxDocument {
  outbox: OutboxEntry[];
  deleted: boolean;
}

/** A deleted document that still owes events: invisible to every read. */
export function isTombstone(record: Pick<StoredRecord, '_deletedAt'>): boolean {
  return record._deletedAt !== undefined && record._deletedAt !== null;
}

export function outboxDocumentOf(record: Pick<StoredRecord, '_outbox' | '_deletedAt'>): OutboxDocument {
  return { outbox: record._outbox ?? [], deleted: isTombstone(record) };
}
