import mongoose from 'mongoose';
import { BatchesWhileBusy } from './batches-while-busy';
import { insertIgnoringDuplicate, mongoCall, writeErrorsOf } from './errors';

interface Pending<TDocument> {
  document: TDocument;
  done: () => void;
  failed: (error: unknown) => void;
}

/** Documents per `insertMany`; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * Inserts of one collection issued while another batch is in flight (or in the same event-loop turn)
 * go out together as one unordered `insertMany`; each `insert` resolves once its document is stored.
 * FerretDB (SQLite) allows one write transaction at a time for the whole database and makes the others
 * wait in SQLite's busy handler (which sleeps), so eight concurrent inserts cost eight contended
 * transactions where one batch costs one; on MongoDB it saves round trips.
 *
 * A document the batch refused (the server lists it in `writeErrors`: a duplicate key, say) is inserted
 * again on its own by `alone`, so its caller gets exactly the outcome a single insert has; the other
 * documents of the batch are stored. Any other failure of the batch (the database unreachable, …)
 * rejects every insert of the batch, as it would each single insert: some may have landed.
 */
export class CoalescedInserts<TDocument extends mongoose.mongo.BSON.Document> {
  private readonly batches = new BatchesWhileBusy<Pending<TDocument>>((batch) => this.insertBatch(batch), MAX_BATCH);

  constructor(
    private readonly collection: mongoose.mongo.Collection<TDocument>,
    /** One refused document, inserted alone. Default: a duplicate counts as done (outbox markers). */
    private readonly alone: (document: TDocument) => Promise<void> = (document) =>
      insertIgnoringDuplicate(collection, document as mongoose.mongo.OptionalUnlessRequiredId<TDocument>),
  ) {}

  insert(document: TDocument): Promise<void> {
    return new Promise((done, failed) => this.batches.add({ document, done, failed }));
  }

  private async insertBatch(batch: Array<Pending<TDocument>>): Promise<void> {
    let refused: ReadonlySet<number>;
    try {
      refused = await this.insertAll(batch.map((item) => item.document));
    } catch (error) {
      for (const item of batch) item.failed(error);
      return;
    }
    batch.forEach((item, index) => {
      if (!refused.has(index)) item.done();
      else this.alone(item.document).then(item.done, item.failed);
    });
  }

  /** The indexes of the documents the server refused (all others are stored). */
  private async insertAll(documents: TDocument[]): Promise<ReadonlySet<number>> {
    return mongoCall(this.collection.collectionName, async () => {
      try {
        await this.collection.insertMany(documents as mongoose.mongo.OptionalUnlessRequiredId<TDocument>[], { ordered: false });
        return new Set<number>();
      } catch (error) {
        const refused = refusedIndexes(error);
        if (refused === undefined) throw error;
        return refused;
      }
    });
  }
}

/** The documents a bulk insert refused one by one; undefined when the batch as a whole failed. */
function refusedIndexes(error: unknown): ReadonlySet<number> | undefined {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError) || error.writeConcernError) return undefined;
  const writeErrors = writeErrorsOf(error);
  return writeErrors.length === 0 ? undefined : new Set(writeErrors.map((writeError) => writeError.index));
}

/** True if a bulk insert failed only because some documents existed already. */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) return false;
  const writeErrors = writeErrorsOf(error);
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
}
