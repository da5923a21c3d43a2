import { ConflictError } from '@tenantry/contracts';
import type { ProcessedEventStore } from '@tenantry/event-bus';
import type mongoose from 'mongoose';
import { mongoCall } from './errors';

/**
 * Processed event ids per consumer group, one small document each with a unique index on
 * {group, eventId}: marking twice hits the index, which means "already done", not a failure.
 * FerretDB has no TTL indexes, so old entries are removed with `deleteProcessedBefore`.
 */
export class MongoProcessedEventStore implements ProcessedEventStore {
  private readonly entries: mongoose.mongo.Collection<mongoose.mongo.Document>;

  constructor(
    db: mongoose.mongo.Db,
    private readonly collectionName = 'processed_events',
  ) {
    this.entries = db.collection(collectionName);
  }

  async ensureIndexes(): Promise<void> {
    await mongoCall(this.collectionName, () => this.entries.createIndex({ group: 1, eventId: 1 }, { name: 'unique_group_eventId', unique: true }));
    await mongoCall(this.collectionName, () => this.entries.createIndex({ processedAt: 1 }, { name: 'idx_processedAt' }));
  }

  async isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    const found = await mongoCall(this.collectionName, () => this.entries.findOne({ group: consumerGroup, eventId }, { projection: { _id: 1 } }));
    return found !== null;
  }

  async markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    try {
      await mongoCall(this.collectionName, () => this.entries.insertOne({ group: consumerGroup, eventId, processedAt: new Date() }));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  /** Forgets entries recorded before `cutoff` (keep it well beyond the longest redelivery window). */
  async deleteProcessedBefore(cutoff: Date): Promise<number> {
    const result = await mongoCall(this.collectionName, () => this.entries.deleteMany({ processedAt: { $lt: cutoff } }));
    return result.deletedCount;
  }
}
