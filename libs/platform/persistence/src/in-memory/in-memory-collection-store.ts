import { ConflictError } from '@tenantry/contracts';
import type { CollectionDefinition } from '../collection';
import { compareScalars, matchesAll } from '../core/filter';
import { type OutboxDocument, type OutboxMarker, type StoredRecord, isTombstone, outboxDocumentOf } from '../core/records';
import type { CollectionStore, RecordChange, RecordQuery } from '../core/stores';
import { deepClone } from './deep-clone';

/**
 * A collection held in a Map, with the semantics of the MongoDB store: unique indexes, version
 * conditions, tombstones, outbox markers and the relay lease. Every operation runs to completion
 * synchronously, which makes each one atomic like a single-document write; records are cloned in and
 * out, so callers can never mutate stored state.
 */
export class InMemoryCollectionStore implements CollectionStore {
  readonly collection: string;
  private readonly records = new Map<string, StoredRecord>();
  private readonly markers = new Map<string, OutboxMarker>();
  private lease: { leaseId: string; until: number } | undefined;
  private readonly uniqueIndexes: ReadonlyArray<readonly string[]>;

  constructor(definition: CollectionDefinition) {
    this.collection = definition.name;
    this.uniqueIndexes = definition.indexes.filter((index) => index.unique).map((index) => Object.keys(index.fields));
  }

  // ---------------------------------------------------------------- DocumentStore

  async insert(record: StoredRecord): Promise<void> {
    if (this.records.has(record._id)) throw this.duplicate();
    this.assertUnique(record, undefined);
    this.records.set(record._id, deepClone(record));
  }

  async get(id: string): Promise<StoredRecord | null> {
    const record = this.records.get(id);
    return record ? deepClone(record) : null;
  }

  async find(query: RecordQuery, limit: number): Promise<StoredRecord[]> {
    return this.matching(query).slice(0, limit).map(deepClone);
  }

  async *stream(query: RecordQuery): AsyncGenerator<StoredRecord> {
    for (const record of this.matching({ tenantId: query.tenantId, filters: query.filters, order: query.order })) yield deepClone(record);
  }

  async count(query: RecordQuery): Promise<number> {
    return this.matching(query).length;
  }

  async updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean> {
    const current = this.records.get(id);
    if (!current || current.tenantId !== tenantId || current.version !== version || isTombstone(current)) return false;
    const next: StoredRecord = { ...current, ...deepClone(change.set) };
    for (const field of change.unset) delete next[field];
    if (change.outbox) next._outbox = deepClone([...change.outbox]);
    this.assertUnique(next, id);
    this.records.set(id, next);
    return true;
  }

  async deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean> {
    const current = this.records.get(id);
    if (!current || current.tenantId !== tenantId || current.version !== version || isTombstone(current)) return false;
    this.records.delete(id);
    return true;
  }

  async addMarker(marker: OutboxMarker): Promise<void> {
    if (!this.markers.has(marker._id)) this.markers.set(marker._id, deepClone(marker));
  }

  async removeMarkers(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.markers.delete(id);
  }

  async existingMarkers(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.markers.has(id)));
  }

  // ---------------------------------------------------------------- OutboxStore

  async listMarkers(limit: number): Promise<OutboxMarker[]> {
    return [...this.markers.values()]
      .sort((a, b) => a.head - b.head || compareScalars(a._id, b._id))
      .slice(0, limit)
      .map(deepClone);
  }

  async hasMarkers(): Promise<boolean> {
    return this.markers.size > 0;
  }

  async markersOf(documentId: string): Promise<OutboxMarker[]> {
    return [...this.markers.values()].filter((marker) => marker.doc === documentId).map(deepClone);
  }

  async recordPublished(markerId: string, eventIds: readonly string[], head: number): Promise<void> {
    const marker = this.markers.get(markerId);
    if (!marker) return;
    marker.published = [...new Set([...(marker.published ?? []), ...eventIds])];
    marker.head = head;
  }

  async recordFailure(markerId: string, error: string): Promise<void> {
    const marker = this.markers.get(markerId);
    if (!marker) return;
    marker.attempts = (marker.attempts ?? 0) + 1;
    marker.lastError = error;
  }

  async acquireLease(now: number, leaseUntil: number, leaseId: string): Promise<boolean> {
    if (this.lease && this.lease.until > now && this.lease.leaseId !== leaseId) return false;
    this.lease = { leaseId, until: leaseUntil };
    return true;
  }

  async releaseLease(leaseId: string): Promise<void> {
    if (this.lease?.leaseId === leaseId) this.lease = undefined;
  }

  async readOutboxes(ids: readonly string[]): Promise<Map<string, OutboxDocument>> {
    const documents = new Map<string, OutboxDocument>();
    for (const id of ids) {
      const record = this.records.get(id);
      if (record) documents.set(id, deepClone(outboxDocumentOf(record)));
    }
    return documents;
  }

  async deleteTombstone(id: string): Promise<boolean> {
    const record = this.records.get(id);
    if (!record || !isTombstone(record)) return false;
    this.records.delete(id);
    return true;
  }

  // ---------------------------------------------------------------- helpers

  private matching(query: RecordQuery): StoredRecord[] {
    const direction = query.order === 'asc' ? 1 : -1;
    const position = (record: StoredRecord): number =>
      query.after ? direction * (compareScalars(record.createdAt, query.after.createdAt) || compareScalars(record._id, query.after.id)) : 1;
    return [...this.records.values()]
      .filter(
        (record) =>
          !isTombstone(record) &&
          (query.tenantId === undefined || record.tenantId === query.tenantId) &&
          position(record) > 0 &&
          matchesAll(record, query.filters),
      )
      .sort((a, b) => direction * (compareScalars(a.createdAt, b.createdAt) || compareScalars(a._id, b._id)));
  }

  /** MongoDB semantics: a missing field is indexed as null (required unique fields make that moot). */
  private assertUnique(candidate: StoredRecord, ignoreId: string | undefined): void {
    for (const fields of this.uniqueIndexes) {
      const key = uniqueKey(candidate, fields);
      for (const other of this.records.values()) {
        if (other._id !== ignoreId && other._id !== candidate._id && uniqueKey(other, fields) === key) throw this.duplicate();
      }
    }
  }

  private duplicate(): ConflictError {
    return new ConflictError(`A ${this.collection} document with the same unique key already exists`, { collection: this.collection });
  }
}

function uniqueKey(record: StoredRecord, fields: readonly string[]): string {
  return JSON.stringify(
    fields.map((field) => {
      const value = record[field];
      return value instanceof Date ? { date: value.getTime() } : (value ?? null);
    }),
  );
}
