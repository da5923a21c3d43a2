import type { SortOrder } from '../repository';
import type { CommittedWrites } from './committed-writes';
import type { KeysetPosition } from './cursor';
import type { FilterClause } from './filter';
import type { OutboxDocument, OutboxEntry, OutboxMarker, StoredRecord } from './records';

/**
 * Which live (not deleted) records to read. `tenantId` is absent only on the explicitly unscoped paths,
 * which the repository builds itself; adapters never see a caller's raw filter.
 */
export interface RecordQuery {
  tenantId?: string;
  filters: readonly FilterClause[];
  /** Exclusive keyset position in `order`. */
  after?: KeysetPosition;
  order: SortOrder;
}

/** One atomic write to a record: set/unset fields and, when given, replace the outbox. */
export interface RecordChange {
  set: Readonly<Record<string, unknown>>;
  unset: readonly string[];
  outbox?: readonly OutboxEntry[];
}

/** Writing and checking outbox markers: what writers need. */
export interface MarkerWriter {
  /** Writes an outbox marker (before the write whose entries carry its token). */
  addMarker(marker: OutboxMarker): Promise<void>;
  /** Removes these markers if they exist. */
  removeMarkers(ids: readonly string[]): Promise<void>;
  /** Which of these markers exist. */
  existingMarkers(ids: readonly string[]): Promise<Set<string>>;
  /** Optional: where writers record the writes with events this process saw commit (committed-writes.ts). */
  readonly committed?: CommittedWrites;
}

/** The per-collection storage the shared repository logic runs on; MongoDB and in-memory implement it. */
export interface DocumentStore extends MarkerWriter {
  readonly collection: string;
  /** Throws ConflictError when the id or a unique key is taken; writes nothing then. */
  insert(record: StoredRecord): Promise<void>;
  /**
   * The record with this id in whatever state (tombstones included), by `_id` alone: the one lookup
   * FerretDB 1.x pushes down to its storage. Callers check tenant and liveness themselves.
   */
  get(id: string): Promise<StoredRecord | null>;
  /** Every record the query matches, unsorted, fetched `batchSize` at a time by one query (`after` and `order` are ignored). */
  stream(query: RecordQuery, batchSize: number): AsyncIterable<StoredRecord>;
  /** Live records matching the query, in (createdAt, id) order. */
  find(query: RecordQuery, limit: number): Promise<StoredRecord[]>;
  count(query: RecordQuery): Promise<number>;
  /** Applies the change if the live record still has this tenant and version; false otherwise. */
  updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean>;
  /** Deletes the live record if it still has this tenant and version; false otherwise. */
  deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean>;
}

/**
 * The outbox bookkeeping of one collection, for the shared outbox source logic: markers and the
 * collection's relay lease live in a small side collection; the documents themselves are only read
 * (and a settled tombstone deleted).
 */
export interface OutboxStore {
  readonly collection: string;
  /** Outbox markers, oldest head first (see outbox-markers.ts). */
  listMarkers(limit: number): Promise<OutboxMarker[]>;
  /**
   * Optional: whether any marker exists, cheaper than listing them (no sort); the relay asks before it
   * takes a lease. Without it the relay lists the markers twice per round (before and after the lease).
   */
  hasMarkers?(): Promise<boolean>;
  /** Every marker of one document. */
  markersOf(documentId: string): Promise<OutboxMarker[]>;
  /** Adds event ids to a marker's published ones and moves its head hint. */
  recordPublished(markerId: string, eventIds: readonly string[], head: number): Promise<void>;
  /** Counts a failed publish attempt of a marker's events. */
  recordFailure(markerId: string, error: string): Promise<void>;
  removeMarkers(ids: readonly string[]): Promise<void>;
  /**
   * Takes (or, with the same lease id, extends) the collection's relay lease if it is free or expired
   * at `now`: one relay at a time works on a collection's outbox. False if another relay holds it.
   */
  acquireLease(now: number, leaseUntil: number, leaseId: string): Promise<boolean>;
  /** Frees the lease if it is still this one. */
  releaseLease(leaseId: string): Promise<void>;
  /** The outboxes of these documents (missing ones are absent from the map). */
  readOutboxes(ids: readonly string[]): Promise<Map<string, OutboxDocument>>;
  /** Deletes the document if it is a tombstone; false otherwise. */
  deleteTombstone(id: string): Promise<boolean>;
  /** Optional: writes this process saw commit, whose documents a claim need not read (committed-writes.ts). */
  readonly committed?: CommittedWrites;
}

/** Both views of one collection. */
export type CollectionStore = DocumentStore & OutboxStore;
