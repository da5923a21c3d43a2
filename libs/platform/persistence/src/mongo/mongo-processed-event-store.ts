import type { ProcessedEventStore } from '@tenantry/event-bus';
import mongoose from 'mongoose';
import { PROCESSED_EVENTS_COLLECTION } from '../persistence';
import { onlyDuplicateKeys } from './coalesced-inserts';
import { insertIgnoringDuplicate, mongoCall } from './errors';

interface ProcessedEntry {
  _id: string | mongoose.mongo.ObjectId;
  processedAt?: Date;
  /** Only on entries of earlier versions. */
  group?: string;
  eventId?: string;
}

/**
 * The `_id` of a processed event: the group's length, the group, then the event id. The length prefix
 * makes it collision-free whatever characters group and event ids contain (`a:b` + `c` ≠ `a` + `b:c`),
 * and keys always start with a digit, so they never meet the store's `meta:` documents.
 */
export function processedEventKey(consumerGroup: string, eventId: string): string {
  return `${consumerGroup.length}:${consumerGroup}:${eventId}`;
}

/** FerretDB: a scan of this many documents costs about one point read (measured: ≈ 30 µs vs ≈ 1.2 ms). */
const SCAN_DOCUMENTS_PER_POINT_READ = 40;
const SIZE_REFRESH_MS = 30_000;

/** Point reads in flight at once for `processedAmong` on FerretDB (the connection pool holds 20). */
const POINT_READS_AT_ONCE = 8;

/** Index of earlier versions, which kept `{ group, eventId }` under a generated `_id`. */
const LEGACY_UNIQUE_INDEX = 'unique_group_eventId';
/** Marks that entries of earlier versions were rewritten to keyed ones (once per collection). */
const MIGRATED = 'meta:keyed-ids';
const INDEX_NOT_FOUND = 27;
const NAMESPACE_NOT_FOUND = 26;

/**
 * Processed event ids per consumer group, one small document `{ _id: <key>, processedAt }` each, the
 * key encoding (group, event id) readably: `isProcessed` is a lookup by `_id` and `markProcessed` an
 * insert whose duplicate-key error means "already done". A bare `{ _id }` filter is the only one
 * FerretDB 1.x (SQLite) pushes down; the earlier `{ group, eventId }` decoded every document of the
 * collection in Go (~2 ms per 100 ids stored). Even `{ _id }` is a scan of the SQLite table there,
 * whose cost grows with the bytes stored, hence nothing else in the document. `processedAt` is for
 * pruning: FerretDB has no TTL indexes, so old entries are removed with `deleteProcessedBefore`.
 */
export class MongoProcessedEventStore implements ProcessedEventStore {
  private readonly entries: mongoose.mongo.Collection<ProcessedEntry>;
  private size: { count: number; at: number } | undefined;

  constructor(
    db: mongoose.mongo.Db,
    private readonly collectionName = PROCESSED_EVENTS_COLLECTION,
    /** FerretDB 1.x: look ids up one `{ _id }` at a time (see `processedAmong`). */
    private readonly pointReadsOnly = false,
    /** FerretDB: scan instead when the collection holds fewer than this many documents per id asked. */
    private readonly scanDocumentsPerPointRead = SCAN_DOCUMENTS_PER_POINT_READ,
  ) {
    this.entries = db.collection<ProcessedEntry>(collectionName);
  }

  async ensureIndexes(): Promise<void> {
    await this.call(() => this.entries.createIndex({ processedAt: 1 }, { name: 'idx_processedAt' }));
    await this.migrateLegacyEntries();
  }

  async isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    const found = await this.call(() =>
      this.entries.findOne({ _id: processedEventKey(consumerGroup, eventId) }, { projection: { _id: 1 } }),
    );
    return found !== null;
  }

  /** An insert: a duplicate key means the event was marked before, which is fine. */
  async markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    await this.markProcessedAt(consumerGroup, eventId, new Date());
  }

  /**
   * Which of these ids the group completed. MongoDB: one `$in` by `_id` (the `_id` index). FerretDB 1.x
   * decodes the whole collection for a `$in` (only a bare `{ _id }` is pushed down, see the README), and
   * this collection holds days of ids: there, point reads by `_id`, `POINT_READS_AT_ONCE` in flight,
   * unless the collection is small enough that one scan is cheaper (`scanIsCheaper`).
   */
  async processedAmong(consumerGroup: string, eventIds: readonly string[]): Promise<Set<string>> {
    const keys = new Map(eventIds.map((eventId) => [processedEventKey(consumerGroup, eventId), eventId]));
    const found = new Set<string>();
    const record = (key: string) => {
      const eventId = keys.get(key);
      if (eventId !== undefined) found.add(eventId);
    };
    if (!this.pointReadsOnly || (await this.scanIsCheaper(keys.size))) {
      const documents = await this.call(() => this.entries.find({ _id: { $in: [...keys.keys()] } }, { projection: { _id: 1 } }).toArray());
      for (const document of documents) record(String(document._id));
      return found;
    }
    const pending = [...keys.keys()];
    const worker = async () => {
      for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
        const document = await this.call(() => this.entries.findOne({ _id: key }, { projection: { _id: 1 } }));
        if (document) record(key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(POINT_READS_AT_ONCE, pending.length) }, worker));
    return found;
  }

  /**
   * FerretDB: a `$in` decodes the whole collection (≈ 30 µs per document) while a point read costs
   * ≈ 1–4 ms here, so a small collection (a new deployment, a bench, a recently pruned one) is
   * cheaper to scan once than to read id by id. Its size is estimated at most every 30 s.
   */
  private async scanIsCheaper(ids: number): Promise<boolean> {
    const now = Date.now();
    if (this.size === undefined || now - this.size.at > SIZE_REFRESH_MS) {
      const count = await this.call(() => this.entries.estimatedDocumentCount()).catch(() => Number.POSITIVE_INFINITY);
      this.size = { count, at: now };
    }
    return this.size.count < ids * this.scanDocumentsPerPointRead;
  }

  /** One unordered `insertMany`; ids recorded before (duplicate keys) are fine. */
  async markAllProcessed(consumerGroup: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const processedAt = new Date();
    const documents = [...new Set(eventIds)].map((eventId) => ({ _id: processedEventKey(consumerGroup, eventId), processedAt }));
    await this.call(async () => {
      try {
        await this.entries.insertMany(documents, { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
      }
    });
  }

  /** Forgets entries recorded before `cutoff` (keep it well beyond the longest redelivery window). A scan; run it now and then. */
  async deleteProcessedBefore(cutoff: Date): Promise<number> {
    const result = await this.call(() => this.entries.deleteMany({ processedAt: { $lt: cutoff } }));
    return result.deletedCount;
  }

  /**
   * Earlier versions stored `{ group, eventId }` under a generated `_id` with a unique index on both.
   * Once per collection, each such entry is rewritten under its key (insert, then delete the old one:
   * an interruption leaves both, which is harmless) after dropping that index, which the new entries
   * would otherwise collide on.
   */
  private async migrateLegacyEntries(): Promise<void> {
    if (await this.call(() => this.entries.findOne({ _id: MIGRATED }, { projection: { _id: 1 } }))) return;
    await this.call(() => this.entries.dropIndex(LEGACY_UNIQUE_INDEX)).catch((error: unknown) => {
      const code = error instanceof mongoose.mongo.MongoServerError ? error.code : undefined;
      if (code !== INDEX_NOT_FOUND && code !== NAMESPACE_NOT_FOUND) throw error;
    });
    const legacy = await this.call(() => this.entries.find({ _id: { $not: { $type: 'string' } } }).toArray());
    for (const entry of legacy) {
      if (typeof entry.group === 'string' && typeof entry.eventId === 'string') {
        await this.markProcessedAt(entry.group, entry.eventId, entry.processedAt ?? new Date());
      }
      await this.call(() => this.entries.deleteOne({ _id: entry._id }));
    }
    await insertIgnoringDuplicate(this.entries, { _id: MIGRATED });
  }

  private async markProcessedAt(group: string, eventId: string, processedAt: Date): Promise<void> {
    await insertIgnoringDuplicate(this.entries, { _id: processedEventKey(group, eventId), processedAt });
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return mongoCall(this.collectionName, operation);
  }
}
