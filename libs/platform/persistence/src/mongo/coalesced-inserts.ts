import mongoose from 'mongoose';
import { mongoCall } from './errors';

/** Documents per `insertMany`; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * Inserts of one collection issued while another is in flight (or in the same event-loop turn) go out
 * together as one unordered `insertMany`; each `insert` resolves once its document is stored (or was
 * there already: a duplicate key counts as done, as with `insertIgnoringDuplicate`). Outbox markers
 * use it: concurrent writers each wait for their own marker before their state write, as before, but
 * FerretDB (SQLite) commits one transaction for the batch instead of one per marker.
 *
 * A failure other than duplicate keys rejects every insert of the batch, including any that may have
 * landed: for a marker that is harmless (its write is not attempted; the marker ages out).
 */
export class CoalescedInserts<TDocument extends mongoose.mongo.BSON.Document> {
  private queue: Array<{ document: TDocument; done: () => void; failed: (error: unknown) => void }> = [];
  private running = false;

  constructor(private readonly collection: mongoose.mongo.Collection<TDocument>) {}

  insert(document: TDocument): Promise<void> {
    return new Promise((done, failed) => {
      this.queue.push({ document, done, failed });
      if (this.running) return;
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.insertAll(batch.map((item) => item.document));
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.failed(error);
      }
    }
    this.running = false;
  }

  private async insertAll(documents: TDocument[]): Promise<void> {
    await mongoCall(this.collection.collectionName, async () => {
      try {
        await this.collection.insertMany(documents as mongoose.mongo.OptionalUnlessRequiredId<TDocument>[], { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
      }
    });
  }
}

/** True if a bulk insert failed only because some documents existed already. */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
}
