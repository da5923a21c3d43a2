import type mongoose from 'mongoose';
import type { CollectionDefinition } from '../collection';
import type { FilterClause } from '../core/filter';
import { type OutboxEntry, type OutboxState, type StoredRecord, headOf, outboxStateOf } from '../core/records';
import type { CollectionStore, RecordChange, RecordQuery } from '../core/stores';
import { mongoCall } from './errors';
import { decodeFields, encodeFields } from './key-encoding';
import type { WriteGuard } from './write-guard';

type Db = mongoose.mongo.Db;
/** Our documents have string ids; everything else is checked by the repository, not the driver's types. */
interface RawDocument {
  _id: string;
  [field: string]: unknown;
}
type MongoFilter = mongoose.mongo.Filter<RawDocument>;
/** Update documents are built from validated parts; the driver's per-field typing cannot follow them. */
type MongoUpdate = Partial<Record<'$set' | '$unset' | '$inc' | '$push' | '$min', Record<string, unknown>>>;
const asUpdate = (update: MongoUpdate): mongoose.mongo.UpdateFilter<RawDocument> => update as mongoose.mongo.UpdateFilter<RawDocument>;

const LIVE: MongoFilter = { _deletedAt: { $exists: false } };
const OPERATOR: Readonly<Record<FilterClause['op'], string>> = { eq: '$eq', ne: '$ne', in: '$in', nin: '$nin', gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' };

/** Indexes every collection gets: tenant-scoped listing in creation order, and the outbox scan. */
const BUILT_IN_INDEXES: ReadonlyArray<{ key: Record<string, 1 | -1>; name: string }> = [
  { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'tenant_created' },
  { key: { _outboxHead: 1 }, name: 'outbox_head' },
];

/**
 * A collection in MongoDB (or FerretDB), using only what both support. Every conditional write to an
 * existing document goes through the WriteGuard, which is a no-op on MongoDB and a per-document lock
 * on FerretDB (see write-guard.ts); inserts need none.
 */
export class MongoCollectionStore implements CollectionStore {
  readonly collection: string;
  private readonly documents: mongoose.mongo.Collection<RawDocument>;

  constructor(
    db: Db,
    private readonly definition: CollectionDefinition,
    private readonly guard: WriteGuard,
  ) {
    this.collection = definition.name;
    this.documents = db.collection<RawDocument>(definition.name);
  }

  async ensureIndexes(): Promise<void> {
    const declared = this.definition.indexes.map((index) => ({
      key: index.fields as Record<string, 1 | -1>,
      name: `${index.unique ? 'unique' : 'idx'}_${Object.keys(index.fields).join('_')}`,
      ...(index.unique ? { unique: true } : {}),
    }));
    for (const index of [...BUILT_IN_INDEXES, ...declared]) {
      await this.call(() => this.documents.createIndex(index.key, index));
    }
  }

  // ---------------------------------------------------------------- DocumentStore

  async insert(record: StoredRecord): Promise<void> {
    await this.call(() => this.documents.insertOne(encodeFields(record) as RawDocument));
  }

  async find(query: RecordQuery, limit: number): Promise<StoredRecord[]> {
    const direction = query.order === 'asc' ? 1 : -1;
    const documents = await this.call(() =>
      this.documents
        .find(this.toMongoQuery(query))
        .sort({ createdAt: direction, _id: direction })
        .limit(limit)
        .toArray(),
    );
    return documents.map((document) => decodeFields(document) as unknown as StoredRecord);
  }

  async count(query: RecordQuery): Promise<number> {
    return this.call(() => this.documents.countDocuments(this.toMongoQuery(query)));
  }

  async updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean> {
    const update: MongoUpdate = {
      $set: encodeFields(change.set),
      $inc: { _outboxRev: 1 },
    };
    if (change.unset.length > 0) update.$unset = Object.fromEntries(change.unset.map((field) => [field, '']));
    const head = headOf(change.push);
    if (head !== undefined) {
      update.$push = { _outbox: { $each: [...change.push] } };
      update.$min = { _outboxHead: head };
    }
    const result = await this.guarded(id, () => this.documents.updateOne({ _id: id, tenantId, version, ...LIVE }, asUpdate(update)));
    return result.matchedCount === 1;
  }

  async deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean> {
    const result = await this.guarded(id, () => this.documents.deleteOne({ _id: id, tenantId, version, _outbox: { $size: 0 }, ...LIVE }));
    return result.deletedCount === 1;
  }

  private toMongoQuery(query: RecordQuery): MongoFilter {
    const mongoQuery: Record<string, unknown> = {};
    for (const clause of query.filters) {
      const conditions = (mongoQuery[clause.field] ??= {}) as Record<string, unknown>;
      conditions[OPERATOR[clause.op]] = clause.value;
    }
    // System conditions last, so nothing above can replace them.
    if (query.after) {
      const beyond = query.order === 'asc' ? '$gt' : '$lt';
      mongoQuery['$or'] = [{ createdAt: { [beyond]: query.after.createdAt } }, { createdAt: query.after.createdAt, _id: { [beyond]: query.after.id } }];
    }
    if (query.id !== undefined) mongoQuery['_id'] = query.id;
    if (query.tenantId !== undefined) mongoQuery['tenantId'] = query.tenantId;
    mongoQuery['_deletedAt'] = { $exists: false };
    return mongoQuery;
  }

  // ---------------------------------------------------------------- OutboxStore

  async findClaimable(now: number, limit: number): Promise<Array<{ id: string; head: number }>> {
    const documents = await this.call(() =>
      this.documents
        .find({ _outboxHead: { $gte: 0 }, _outboxLeaseUntil: { $lte: now } }, { projection: { _id: 1, _outboxHead: 1 } })
        .sort({ _outboxHead: 1 })
        .limit(limit)
        .toArray(),
    );
    return documents.map((document) => ({ id: String(document._id), head: Number(document['_outboxHead']) }));
  }

  async claim(id: string, now: number, leaseUntil: number, leaseId: string): Promise<OutboxState | null> {
    // No projection: FerretDB 1.x answers findAndModify with `fields` by "support for field "fields" … is not implemented yet".
    const document = await this.guarded(id, () =>
      this.documents.findOneAndUpdate(
        { _id: id, _outboxHead: { $gte: 0 }, _outboxLeaseUntil: { $lte: now } },
        asUpdate({ $set: { _outboxLeaseUntil: leaseUntil, _outboxLeaseId: leaseId }, $inc: { _outboxRev: 1 } }),
        { returnDocument: 'after' },
      ),
    );
    return document ? outboxStateOf(document as unknown as StoredRecord) : null;
  }

  async read(id: string): Promise<OutboxState | null> {
    const document = await this.call(() =>
      this.documents.findOne({ _id: id }, { projection: { _outbox: 1, _outboxRev: 1, _outboxLeaseId: 1, _deletedAt: 1 } }),
    );
    return document ? outboxStateOf(document as unknown as StoredRecord) : null;
  }

  async replaceOutbox(id: string, rev: number, outbox: readonly OutboxEntry[], releaseLease: boolean): Promise<boolean> {
    const head = headOf(outbox);
    const set: Record<string, unknown> = { _outbox: [...outbox] };
    const unset: Record<string, ''> = {};
    if (head === undefined) unset['_outboxHead'] = '';
    else set['_outboxHead'] = head;
    if (releaseLease) {
      set['_outboxLeaseUntil'] = 0;
      unset['_outboxLeaseId'] = '';
    }
    const update: MongoUpdate = { $set: set, $inc: { _outboxRev: 1 } };
    if (Object.keys(unset).length > 0) update.$unset = unset;
    const result = await this.guarded(id, () => this.documents.updateOne({ _id: id, _outboxRev: rev }, asUpdate(update)));
    return result.matchedCount === 1;
  }

  async deleteTombstone(id: string, rev: number): Promise<boolean> {
    const result = await this.guarded(id, () => this.documents.deleteOne({ _id: id, _outboxRev: rev, _deletedAt: { $exists: true } }));
    return result.deletedCount === 1;
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return mongoCall(this.collection, operation);
  }

  private guarded<T>(id: string, operation: () => Promise<T>): Promise<T> {
    return this.guard.run(this.collection, id, () => this.call(operation));
  }
}
