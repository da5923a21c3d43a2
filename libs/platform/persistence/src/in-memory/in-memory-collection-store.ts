import { ConflictError } from '@tenantry/contracts';
import type { CollectionDefinition } from '../collection';
import { compareScalars, matchesAll } from '../core/filter';
import { type OutboxEntry, type OutboxState, type StoredRecord, headOf, outboxStateOf } from '../core/records';
import type { CollectionStore, RecordChange, RecordQuery } from '../core/stores';
import { deepClone } from './deep-clone';

/**
 * A collection held in a Map, with the semantics of the MongoDB store: unique indexes, version and
 * revision conditions, tombstones, leases. Every operation runs to completion synchronously, which
 * makes each one atomic like a single-document write; records are cloned in and out, so callers can
 * never mutate stored state.
 */
export class InMemoryCollectionStore implements CollectionStore {
  readonly collection: string;
  private readonly records = new Map<string, StoredRecord>();
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

  async find(query: RecordQuery, limit: number): Promise<StoredRecord[]> {
    return this.matching(query).slice(0, limit).map(deepClone);
  }

  async count(query: RecordQuery): Promise<number> {
    return this.matching(query).length;
  }

  async updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean> {
    const current = this.records.get(id);
    if (!current || current.tenantId !== tenantId || current.version !== version || isTombstone(current)) return false;
    const next: StoredRecord = { ...current, ...deepClone(change.set), _outboxRev: current._outboxRev + 1 };
    for (const field of change.unset) delete next[field];
    if (change.push.length > 0) {
      next._outbox = [...current._outbox, ...deepClone([...change.push])];
      next._outboxHead = Math.min(current._outboxHead ?? Number.POSITIVE_INFINITY, headOf(change.push) ?? Number.POSITIVE_INFINITY);
    }
    this.assertUnique(next, id);
    this.records.set(id, next);
    return true;
  }

  async deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean> {
    const current = this.records.get(id);
    if (!current || current.tenantId !== tenantId || current.version !== version || isTombstone(current) || current._outbox.length > 0) return false;
    this.records.delete(id);
    return true;
  }

  // ---------------------------------------------------------------- OutboxStore

  async findClaimable(now: number, limit: number): Promise<Array<{ id: string; head: number }>> {
    return [...this.records.values()]
      .filter((record) => record._outboxHead !== undefined && record._outboxLeaseUntil <= now)
      .map((record) => ({ id: record._id, head: record._outboxHead as number }))
      .sort((a, b) => a.head - b.head)
      .slice(0, limit);
  }

  async claim(id: string, now: number, leaseUntil: number, leaseId: string): Promise<OutboxState | null> {
    const record = this.records.get(id);
    if (!record || record._outboxHead === undefined || record._outboxLeaseUntil > now) return null;
    record._outboxLeaseUntil = leaseUntil;
    record._outboxLeaseId = leaseId;
    record._outboxRev += 1;
    return deepClone(outboxStateOf(record));
  }

  async read(id: string): Promise<OutboxState | null> {
    const record = this.records.get(id);
    return record ? deepClone(outboxStateOf(record)) : null;
  }

  async replaceOutbox(id: string, rev: number, outbox: readonly OutboxEntry[], releaseLease: boolean): Promise<boolean> {
    const record = this.records.get(id);
    if (!record || record._outboxRev !== rev) return false;
    record._outbox = deepClone([...outbox]);
    const head = headOf(outbox);
    if (head === undefined) delete record._outboxHead;
    else record._outboxHead = head;
    if (releaseLease) {
      record._outboxLeaseUntil = 0;
      delete record._outboxLeaseId;
    }
    record._outboxRev += 1;
    return true;
  }

  async deleteTombstone(id: string, rev: number): Promise<boolean> {
    const record = this.records.get(id);
    if (!record || record._outboxRev !== rev || !isTombstone(record)) return false;
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
          (query.id === undefined || record._id === query.id) &&
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

function isTombstone(record: StoredRecord): boolean {
  return record._deletedAt !== undefined;
}

function uniqueKey(record: StoredRecord, fields: readonly string[]): string {
  return JSON.stringify(
    fields.map((field) => {
      const value = record[field];
      return value instanceof Date ? { date: value.getTime() } : (value ?? null);
    }),
  );
}
