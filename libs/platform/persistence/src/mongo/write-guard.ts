import { setTimeout as delay } from 'node:timers/promises';
import { ConflictError } from '@tenantry/contracts';
import type mongoose from 'mongoose';
import { BatchesWhileBusy } from './batches-while-busy';
import { mongoCall, toTenantryError, writeErrorsOf } from './errors';

/**
 * Makes a conditional write to one existing document behave atomically. MongoDB does that itself.
 * FerretDB 1.x (SQLite backend) does not: an update reads the matching documents, applies the change
 * in Go and writes whole documents back by id, with nothing isolating concurrent writers. Measured
 * here: four racers doing `updateOne({_id, version: 1}, {$set: {version: 2}})` all "win"; concurrent
 * `$inc`s lose increments. Inserts, though, are atomic against unique keys, and a guard built on them
 * restores single-document atomicity as long as every writer of the collection goes through it.
 * infra/local's FerretDB build isolates these writes itself (infra/local/ferretdb/isolated-writes.sed)
 * and says so in buildInfo; `auto` then uses `serverAtomicWrites` there (connect.ts).
 */
export interface WriteGuard {
  readonly kind: 'server-atomic' | 'lock-per-document';
  run<T>(collection: string, id: string, write: () => Promise<T>): Promise<T>;
}

/** Real MongoDB: single-document writes are atomic on the server. */
export const serverAtomicWrites: WriteGuard = { kind: 'server-atomic', run: (_collection, _id, write) => write() };

/** Serializes async work per key within this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface DocumentLockOptions {
  /** A guarded write must finish within one slot; a crashed holder blocks the document for at most two. */
  slotMs?: number;
  /** How long to wait for a busy document before answering ConflictError. */
  acquireTimeoutMs?: number;
}

/**
 * Per-document locks for FerretDB: in-process a mutex, across processes lock documents whose ids are
 * `<collection>/<id>#<time slot>`. A writer inserts the ids of the current and the next slot, so any
 * two writers within a slot of each other collide on one id (inserts are atomic), while locks left by
 * a crashed process simply age out with their slots (no stealing, which FerretDB could not do safely).
 */
export class DocumentLocks implements WriteGuard {
  readonly kind = 'lock-per-document' as const;
  private readonly local = new KeyedMutex();
  private readonly slotMs: number;
  private readonly acquireTimeoutMs: number;
  private lastSweep = 0;
  /** Locks to delete: those given back while a delete is in flight (or in the same turn) go in one deleteMany. */
  private readonly releases = new BatchesWhileBusy<{ ids: readonly string[]; done: () => void }>(async (batch) => {
    const ids = batch.flatMap((item) => item.ids);
    await mongoCall('locks', () => this.locks.deleteMany({ _id: { $in: ids } })).catch(() => undefined);
    for (const item of batch) item.done();
  });

  constructor(
    private readonly locks: mongoose.mongo.Collection<{ _id: string; expiresAt: Date }>,
    options: DocumentLockOptions = {},
  ) {
    this.slotMs = options.slotMs ?? 15_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 5_000;
  }

  run<T>(collection: string, id: string, write: () => Promise<T>): Promise<T> {
    const key = `${collection}/${id}`;
    return this.local.run(key, async () => {
      const held = await this.acquire(key);
      try {
        return await write();
      } finally {
        await this.release(held);
      }
    });
  }

  private async acquire(key: string): Promise<string[]> {
    const deadline = Date.now() + this.acquireTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const slot = Math.floor(Date.now() / this.slotMs);
      const expiresAt = new Date((slot + 2) * this.slotMs);
      const ids = [`${key}#${slot}`, `${key}#${slot + 1}`];
      try {
        // Both slots in one round trip; ordered, so it stops at the first id another writer holds.
        await this.locks.insertMany(
          ids.map((_id) => ({ _id, expiresAt })),
          { ordered: true },
        );
        await this.sweep();
        return ids;
      } catch (error) {
        const inserted = ids.slice(0, insertedBeforeFailure(error));
        if (inserted.length > 0) await this.locks.deleteMany({ _id: { $in: inserted } }).catch(() => undefined);
        const mapped = toTenantryError(error, 'locks');
        if (!(mapped instanceof ConflictError)) throw mapped;
      }
      if (Date.now() >= deadline) throw new ConflictError('The document is busy; retry', { retryable: true });
      await delay(Math.min(50, 2 ** Math.min(attempt, 5)) + Math.random() * 5);
    }
  }

  /**
   * Deletes the locks, together with those other writes of this process give back meanwhile: one
   * deleteMany (one SQLite transaction on FerretDB) for a burst of writes, e.g. a claim's leases. A lock
   * whose delete fails ages out with its slot.
   */
  private release(ids: readonly string[]): Promise<void> {
    return new Promise((done) => this.releases.add({ ids, done }));
  }

  /** Removes locks of long-gone slots (left by crashed processes) now and then. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < this.slotMs) return;
    this.lastSweep = now;
    await this.locks.deleteMany({ expiresAt: { $lt: new Date(now - this.slotMs) } }).catch(() => undefined);
  }
}

/**
 * How many documents an ordered insertMany wrote before it failed: those before its first write error.
 * Without a write error (the command itself failed, e.g. the connection) none is known to be written.
 */
function insertedBeforeFailure(error: unknown): number {
  const indexes = writeErrorsOf(error)
    .map((writeError) => writeError.index)
    .filter(Number.isFinite);
  return indexes.length > 0 ? Math.min(...indexes) : 0;
}
