import { ConflictError } from '@tenantry/contracts';
import type mongoose from 'mongoose';
import type { CollectionDefinition } from '../collection';
import { CommittedWrites } from '../core/committed-writes';
import type { FilterClause } from '../core/filter';
import { headsByToken, markerId } from '../core/outbox-markers';
import { type OutboxDocument, type OutboxEntry, type OutboxMarker, type StoredRecord, outboxDocumentOf } from '../core/records';
import type { CollectionStore, RecordChange, RecordQuery } from '../core/stores';
import { CoalescedInserts } from './coalesced-inserts';
import { type Condition, holds } from './conditions';
import { insertIgnoringDuplicate, mongoCall } from './errors';
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
type MongoUpdate = Partial<Record<'$set' | '$unset', Record<string, unknown>>>;
const asUpdate = (update: MongoUpdate): mongoose.mongo.UpdateFilter<RawDocument> => update as mongoose.mongo.UpdateFilter<RawDocument>;

/** What the marker collection holds: markers, the relay lease and the sweep's record. */
type SideDocument = Partial<Omit<OutboxMarker, '_id'>> & { _id: string; until?: number; leaseId?: string };

const LIVE = { _deletedAt: { $exists: false } } as const;
const OPERATOR: Readonly<Record<FilterClause['op'], string>> = {
  eq: '$eq',
  ne: '$ne',
  in: '$in',
  nin: '$nin',
  gt: '$gt',
  gte: '$gte',
  lt: '$lt',
  lte: '$lte',
};

/** The index every collection gets: tenant-scoped listing in creation order. */
const BUILT_IN_INDEXES: ReadonlyArray<{ key: Record<string, 1 | -1>; name: string }> = [
  { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'tenant_created' },
];

/** The side collection of a collection's outbox markers; `.` cannot occur in a collection's own name. */
export const markerCollectionName = (collection: string): string => `${collection}.outbox`;

/** Side-collection ids without `#`, so never a marker's (`<document id>#<token>`). */
const LEASE = 'meta:relay-lease';
const LEGACY_SWEEP_DONE = 'meta:legacy-outbox-swept';

/**
 * On MongoDB up to this many documents are read one `{ _id }` query each, more with one `$in` query
 * (both use the `_id` index). FerretDB 1.x answers `{ _id }` with a SQLite index search (with
 * infra/local's fix; upstream a scan) but `$in` by decoding every document of the collection in Go
 * (≈ 30 µs per document), so there every read is a point read, `POINT_READS_AT_ONCE` in flight.
 */
const POINT_READS_UP_TO = 8;
const POINT_READS_AT_ONCE = 8;

/** `work` for every item, at most `concurrency` at a time; results in the items' order. */
async function inParallel<I, R>(items: readonly I[], concurrency: number, work: (item: I) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as I);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * A collection in MongoDB (or FerretDB), using only what both support. Single-document reads and
 * writes address the document by `_id` alone wherever that is safe, because FerretDB 1.x (SQLite)
 * pushes down only a bare `{ _id }` filter and answers every other one by decoding the whole
 * collection. Conditional writes go through `writeIf` (see there); inserts need no guard. Outbox
 * markers and the relay lease live in the small side collection `<name>.outbox`.
 */
export class MongoCollectionStore implements CollectionStore {
  readonly collection: string;
  private readonly documents: mongoose.mongo.Collection<RawDocument>;
  private readonly side: mongoose.mongo.Collection<SideDocument>;
  /** Concurrent inserts (documents; markers) go out as one insert each (see coalesced-inserts.ts). */
  private readonly documentInserts: CoalescedInserts<RawDocument>;
  private readonly markerInserts: CoalescedInserts<SideDocument>;
  readonly committed = new CommittedWrites();

  constructor(
    db: Db,
    private readonly definition: CollectionDefinition,
    private readonly guard: WriteGuard,
    /** FerretDB: only a plain `_id` filter uses an index, so many ids are read one `{ _id }` at a time (see POINT_READS_UP_TO). */
    private readonly pointReadsOnly = false,
  ) {
    this.collection = definition.name;
    this.documents = db.collection<RawDocument>(definition.name);
    this.side = db.collection<SideDocument>(markerCollectionName(definition.name));
    // A document the batch refused is inserted alone, so its caller gets a single insert's outcome.
    this.documentInserts = new CoalescedInserts(this.documents, (document) =>
      this.call(async () => void (await this.documents.insertOne(document))),
    );
    this.markerInserts = new CoalescedInserts(this.side);
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
    await this.call(() => this.side.createIndex({ head: 1 }, { name: 'head' }));
    await this.call(() => this.side.createIndex({ doc: 1 }, { name: 'doc' }));
    await this.sweepLegacyOutbox();
  }

  /**
   * Once per collection: documents whose pending entries were written by a version without markers
   * (they carry `_outboxHead`) get markers. A scan of the collection, once; its completion is
   * recorded in the marker collection.
   */
  private async sweepLegacyOutbox(): Promise<void> {
    if (await this.call(() => this.side.findOne({ _id: LEGACY_SWEEP_DONE }))) return;
    const pending = await this.call(() => this.documents.find({ _outboxHead: { $gte: 0 } }, { projection: { _outbox: 1 } }).toArray());
    const now = Date.now();
    for (const document of pending) {
      for (const [token, head] of headsByToken((document['_outbox'] ?? []) as OutboxEntry[])) {
        await this.addMarker({ _id: markerId(document._id, token), doc: document._id, token, head, at: now });
      }
    }
    await insertIgnoringDuplicate(this.side, { _id: LEGACY_SWEEP_DONE });
  }

  // ---------------------------------------------------------------- DocumentStore

  async insert(record: StoredRecord): Promise<void> {
    await this.documentInserts.insert(encodeFields(record) as RawDocument);
  }

  async get(id: string): Promise<StoredRecord | null> {
    const document = await this.call(() => this.documents.findOne({ _id: id }));
    return document ? (decodeFields(document) as unknown as StoredRecord) : null;
  }

  async find(query: RecordQuery, limit: number): Promise<StoredRecord[]> {
    const direction = query.order === 'asc' ? 1 : -1;
    const documents = await this.call(() =>
      this.documents.find(this.toMongoQuery(query)).sort({ createdAt: direction, _id: direction }).limit(limit).toArray(),
    );
    return documents.map((document) => decodeFields(document) as unknown as StoredRecord);
  }

  async *stream(query: RecordQuery, batchSize: number): AsyncGenerator<StoredRecord> {
    const cursor = this.documents
      .find(this.toMongoQuery({ tenantId: query.tenantId, filters: query.filters, order: query.order }))
      .batchSize(batchSize);
    try {
      for (;;) {
        const document = await this.call(() => cursor.next());
        if (document === null) return;
        yield decodeFields(document) as unknown as StoredRecord;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  async count(query: RecordQuery): Promise<number> {
    return this.call(() => this.documents.countDocuments(this.toMongoQuery(query)));
  }

  async updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean> {
    const update: MongoUpdate = { $set: { ...encodeFields(change.set), ...(change.outbox ? { _outbox: [...change.outbox] } : {}) } };
    if (change.unset.length > 0) update.$unset = Object.fromEntries(change.unset.map((field) => [field, '']));
    return this.writeIf(
      id,
      { tenantId, version, ...LIVE },
      async (filter) => (await this.documents.updateOne(filter, asUpdate(update))).matchedCount === 1,
    );
  }

  async deleteIfVersion(id: string, tenantId: string, version: number): Promise<boolean> {
    return this.writeIf(id, { tenantId, version, ...LIVE }, async (filter) => (await this.documents.deleteOne(filter)).deletedCount === 1);
  }

  async addMarker(marker: OutboxMarker): Promise<void> {
    await this.markerInserts.insert({ ...marker });
  }

  async removeMarkers(ids: readonly string[]): Promise<void> {
    const [only] = ids;
    if (only === undefined) return;
    // A bare `{ _id }` is the filter FerretDB pushes down; `$in` is decoded in full (the collection is small).
    await this.call(() => (ids.length === 1 ? this.side.deleteOne({ _id: only }) : this.side.deleteMany({ _id: { $in: [...ids] } })));
  }

  async existingMarkers(ids: readonly string[]): Promise<Set<string>> {
    const [only] = ids;
    if (only === undefined) return new Set();
    const found = await this.call(() =>
      ids.length === 1
        ? this.side.find({ _id: only }, { projection: { _id: 1 } }).toArray()
        : this.side.find({ _id: { $in: [...ids] } }, { projection: { _id: 1 } }).toArray(),
    );
    return new Set(found.map((marker) => marker._id));
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
      mongoQuery['$or'] = [
        { createdAt: { [beyond]: query.after.createdAt } },
        { createdAt: query.after.createdAt, _id: { [beyond]: query.after.id } },
      ];
    }
    if (query.tenantId !== undefined) mongoQuery['tenantId'] = query.tenantId;
    mongoQuery['_deletedAt'] = { $exists: false };
    return mongoQuery;
  }

  // ---------------------------------------------------------------- OutboxStore

  async listMarkers(limit: number): Promise<OutboxMarker[]> {
    const markers = await this.call(() =>
      this.side
        .find({ head: { $gte: 0 } })
        .sort({ head: 1, _id: 1 })
        .limit(limit)
        .toArray(),
    );
    return markers.map(toMarker);
  }

  /** One marker, unsorted: FerretDB stops decoding at the first (a sorted list decodes them all). */
  async hasMarkers(): Promise<boolean> {
    const [first] = await this.call(() =>
      this.side
        .find({ head: { $gte: 0 } }, { projection: { _id: 1 } })
        .limit(1)
        .toArray(),
    );
    return first !== undefined;
  }

  async markersOf(documentId: string): Promise<OutboxMarker[]> {
    return (await this.call(() => this.side.find({ doc: documentId }).toArray())).map(toMarker);
  }

  async recordPublished(id: string, eventIds: readonly string[], head: number): Promise<void> {
    await this.call(() => this.side.updateOne({ _id: id }, { $addToSet: { published: { $each: [...eventIds] } }, $set: { head } }));
  }

  async recordFailure(id: string, error: string): Promise<void> {
    await this.call(() => this.side.updateOne({ _id: id }, { $inc: { attempts: 1 }, $set: { lastError: error } }));
  }

  async acquireLease(now: number, leaseUntil: number, leaseId: string): Promise<boolean> {
    const lease = { until: leaseUntil, leaseId };
    if (this.guard.kind === 'server-atomic') {
      try {
        // Matches a free, expired or own lease; otherwise the upsert collides with the holder's `_id`.
        await this.call(() =>
          this.side.updateOne({ _id: LEASE, $or: [{ until: { $lte: now } }, { leaseId }] }, { $set: lease }, { upsert: true }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConflictError) return false;
        throw error;
      }
    }
    try {
      return await this.guard.run(this.side.collectionName, LEASE, () =>
        this.call(async () => {
          const current = await this.side.findOne({ _id: LEASE });
          if (current && Number(current.until) > now && current.leaseId !== leaseId) return false;
          await this.side.updateOne({ _id: LEASE }, { $set: lease }, { upsert: true });
          return true;
        }),
      );
    } catch (error) {
      if (error instanceof ConflictError) return false; // the lease document stayed busy: another relay is at it
      throw error;
    }
  }

  async releaseLease(leaseId: string): Promise<void> {
    if (this.guard.kind === 'server-atomic') {
      await this.call(() => this.side.deleteOne({ _id: LEASE, leaseId }));
      return;
    }
    await this.guard.run(this.side.collectionName, LEASE, () =>
      this.call(async () => {
        const current = await this.side.findOne({ _id: LEASE });
        if (current?.leaseId === leaseId) await this.side.deleteOne({ _id: LEASE });
      }),
    );
  }

  async readOutboxes(ids: readonly string[]): Promise<Map<string, OutboxDocument>> {
    const projection = { _outbox: 1, _deletedAt: 1 };
    const documents = await this.call(async () =>
      ids.length <= POINT_READS_UP_TO || this.pointReadsOnly
        ? (await inParallel(ids, POINT_READS_AT_ONCE, (id) => this.documents.findOne({ _id: id }, { projection }))).filter(
            (document) => document !== null,
          )
        : this.documents.find({ _id: { $in: [...ids] } }, { projection }).toArray(),
    );
    return new Map(documents.map((document) => [document._id, outboxDocumentOf(document as unknown as StoredRecord)]));
  }

  async deleteTombstone(id: string): Promise<boolean> {
    return this.writeIf(
      id,
      { _deletedAt: { $exists: true } },
      async (filter) => (await this.documents.deleteOne(filter)).deletedCount === 1,
    );
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Runs a write only if the document satisfies `condition`, atomically; false when it does not.
   *
   * - MongoDB: the condition is part of the write's filter (`_id` + condition); the server applies it
   *   atomically and finds the document through the `_id` index.
   * - FerretDB 1.x: its updates are not isolated, and any filter beyond a bare `{ _id }` decodes the
   *   whole collection. So the write runs under the per-document lock (which every writer of the
   *   document takes, see write-guard.ts): read by `_id`, check the condition here, write by `_id`.
   */
  private async writeIf(id: string, condition: Condition, write: (filter: MongoFilter) => Promise<boolean>): Promise<boolean> {
    if (this.guard.kind === 'server-atomic') return this.call(() => write({ ...condition, _id: id } as MongoFilter));
    return this.guard.run(this.collection, id, () =>
      this.call(async () => {
        const current = await this.documents.findOne(
          { _id: id },
          { projection: Object.fromEntries(Object.keys(condition).map((field) => [field, 1])) },
        );
        return current !== null && holds(current, condition) && write({ _id: id });
      }),
    );
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return mongoCall(this.collection, operation);
  }
}

function toMarker(document: SideDocument): OutboxMarker {
  const { _id, doc = '', token = '', head, at, published, attempts, lastError } = document;
  return {
    _id,
    doc,
    token,
    head: Number(head),
    at: Number(at),
    ...(published ? { published } : {}),
    ...(attempts === undefined ? {} : { attempts: Number(attempts) }),
    ...(lastError === undefined ? {} : { lastError }),
  };
}
