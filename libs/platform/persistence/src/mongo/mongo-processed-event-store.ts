import type { ProcessedEventStore } from '@tenantry/event-bus';
import mongoose from 'mongoose';
import { PROCESSED_EVENTS_COLLECTION } from '../persistence';
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

  constructor(
    db: mongoose.mongo.Db,
    private readonly collectionName = PROCESSED_EVENTS_COLLECTION,
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
