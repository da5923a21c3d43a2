import { ConflictError, NotFoundError } from '@tenantry/contracts';
import { defineCollection, type Persistence, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { isLive, type ClaimResult, type IdempotencyClaim, type IdempotencyRecord, type IdempotencyStore } from './idempotency-store';

const idempotencyRecordSchema = z.object({
  fingerprint: z.string().min(1).max(128),
  state: z.enum(['in_progress', 'completed']),
  lockedUntil: z.date(),
  expiresAt: z.date(),
  sealedResponse: z.string().max(2_000_000).optional(),
});
type RecordFields = z.output<typeof idempotencyRecordSchema>;

/** The default collection; a service may pass its own name to keep its records apart. */
export const IDEMPOTENCY_COLLECTION = 'idempotency_records';

/** A claim is tried this often before giving up (each retry means another request changed the record meanwhile). */
const MAX_CLAIM_ATTEMPTS = 5;
const PRUNE_PAGE = 500;

/**
 * Idempotency records in a collection of @tenantry/persistence, so the same code runs on MongoDB,
 * FerretDB and the in-memory twin. The record id is the document `_id`: claiming is an insert (the
 * database refuses a second one atomically), reading is a point read by id, and completing or releasing
 * is a write conditioned on the version the claim produced (its token), so a request whose lock expired
 * and was taken over cannot overwrite the new owner's record.
 *
 * There is no TTL index (FerretDB 1.x has none): expired records are ignored on read and removed by
 * `pruneExpired` (a collection scan; run it hourly, not per request).
 */
export class PersistentIdempotencyStore implements IdempotencyStore {
  private constructor(
    private readonly records: TenantScopedRepository<RecordFields, z.input<typeof idempotencyRecordSchema>>,
    readonly collection: string,
  ) {}

  static async open(persistence: Persistence, collection = IDEMPOTENCY_COLLECTION): Promise<PersistentIdempotencyStore> {
    return new PersistentIdempotencyStore(
      await persistence.repository(defineCollection({ name: collection, schema: idempotencyRecordSchema })),
      collection,
    );
  }

  /**
   * The platform's housekeeping task for this store (`platform.housekeeping.every(store.pruningTask())`),
   * named after the collection: services of one process sharing the collection register it once.
   */
  pruningTask(): { name: string; run: (now: Date) => Promise<number> } {
    return { name: `expired records of ${this.collection}`, run: (now) => this.pruneExpired(now) };
  }

  async claim(claim: IdempotencyClaim, now: Date): Promise<ClaimResult> {
    const fields: RecordFields = {
      fingerprint: claim.fingerprint,
      state: 'in_progress',
      lockedUntil: claim.lockedUntil,
      expiresAt: claim.expiresAt,
    };
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt += 1) {
      try {
        const inserted = await this.records.insert(claim.tenantId, fields, { id: claim.id });
        return { outcome: 'claimed', token: String(inserted.version) };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
      const existing = await this.records.findById(claim.tenantId, claim.id);
      if (!existing) continue; // released or pruned in between: insert again
      if (isLive(existing, now)) return { outcome: 'exists', record: toRecord(existing) };
      // Expired, or the lock of a request that died: take it over, unless someone else does first.
      try {
        const taken = await this.records.update(
          claim.tenantId,
          claim.id,
          { ...fields, sealedResponse: undefined },
          { expectedVersion: existing.version },
        );
        return { outcome: 'claimed', token: String(taken.version) };
      } catch (error) {
        if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
      }
    }
    throw new ConflictError('The Idempotency-Key is being claimed by concurrent requests; retry.');
  }

  async complete(claim: { id: string; tenantId: string; token: string }, sealedResponse: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.records.update(
        claim.tenantId,
        claim.id,
        { state: 'completed', sealedResponse, expiresAt },
        { expectedVersion: Number(claim.token) },
      );
      return true;
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) return false;
      throw error;
    }
  }

  async release(claim: { id: string; tenantId: string; token: string }): Promise<void> {
    try {
      await this.records.delete(claim.tenantId, claim.id, { expectedVersion: Number(claim.token) });
    } catch (error) {
      if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
    }
  }

  async pruneExpired(now: Date): Promise<number> {
    let pruned = 0;
    let cursor: string | undefined;
    do {
      const page = await this.records.admin.listAcrossTenants({
        filter: { expiresAt: { $lte: now } },
        limit: PRUNE_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      for (const record of page.items) {
        try {
          await this.records.delete(record.tenantId, record.id, { expectedVersion: record.version });
          pruned += 1;
        } catch (error) {
          if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pruned;
  }
}

function toRecord(stored: Stored<RecordFields>): IdempotencyRecord {
  return {
    id: stored.id,
    tenantId: stored.tenantId,
    fingerprint: stored.fingerprint,
    state: stored.state,
    lockedUntil: stored.lockedUntil,
    expiresAt: stored.expiresAt,
    ...(stored.sealedResponse === undefined ? {} : { sealedResponse: stored.sealedResponse }),
  };
}
