import type { SortOrder } from '../repository';
import type { KeysetPosition } from './cursor';
import type { FilterClause } from './filter';
import type { OutboxEntry, OutboxState, StoredRecord } from './records';

/**
 * Which live (not deleted) records to read. `tenantId` is absent only on the explicitly unscoped paths,
 * which the repository builds itself; adapters never see a caller's raw filter.
 */
export interface RecordQuery {
  tenantId?: string;
  id?: string;
  filters: readonly FilterClause[];
  /** Exclusive keyset position in `order`. */
  after?: KeysetPosition;
  order: SortOrder;
}

/** One atomic write to a record: set/unset fields and append outbox entries (bumps `_outboxRev`). */
export interface RecordChange {
  set: Readonly<Record<string, unknown>>;
  unset: readonly string[];
  push: readonly OutboxEntry[];
}

/** The per-collection storage the shared repository logic runs on; MongoDB and in-memory implement it. */
export interface DocumentStore {
  readonly collection: string;
  /** Throws ConflictError when the id or a unique key is taken; writes nothing then. */
  insert(record: StoredRecord): Promise<void>;
  /** Live records matching the query, in (createdAt, id) order. */
  find(query: RecordQuery, limit: number): Promise<StoredRecord[]>;
  count(query: RecordQuery): Promise<number>;
  /** Applies the change if the live record still has this tenant and version; false otherwise. */
  updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean>;
  /** Deletes the live record if it still has this version and an empty outbox; false otherwise. */
  deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean>;
}

/** The outbox bookkeeping of one collection, for the shared outbox source logic. */
export interface OutboxStore {
  readonly collection: string;
  /** Records with pending events whose lease expired, oldest head first (ids and heads only). */
  findClaimable(now: number, limit: number): Promise<Array<{ id: string; head: number }>>;
  /** Atomically takes the lease if it is still free at `now`; null if someone else was faster. */
  claim(id: string, now: number, leaseUntil: number, leaseId: string): Promise<OutboxState | null>;
  read(id: string): Promise<OutboxState | null>;
  /** Replaces the outbox if `_outboxRev` is still `rev` (and bumps it); optionally frees the lease. */
  replaceOutbox(id: string, rev: number, outbox: readonly OutboxEntry[], releaseLease: boolean): Promise<boolean>;
  /** Removes a tombstone whose outbox is settled, if `_outboxRev` is still `rev`. */
  deleteTombstone(id: string, rev: number): Promise<boolean>;
}

/** Both views of one collection. */
export type CollectionStore = DocumentStore & OutboxStore;
