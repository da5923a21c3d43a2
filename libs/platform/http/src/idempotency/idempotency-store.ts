/**
 * Where Idempotency-Key records live. Two implementations pass one contract suite
 * (test-support/idempotency-store.contract.ts): `InMemoryIdempotencyStore` (embedded mode, tests) and
 * `PersistentIdempotencyStore` (a collection of @tenantry/persistence: MongoDB/FerretDB or its twin).
 *
 * A record is addressed by its `id` alone (a keyed hash of scope + method + path + Idempotency-Key), so
 * every lookup is a point read. It never holds the raw Idempotency-Key, and the response it keeps is
 * sealed (AES-256-GCM under a key only the client's Idempotency-Key unlocks; see sealing.ts).
 */
export interface IdempotencyClaim {
  /** The record id (see `IdempotencySealer.recordId`). */
  id: string;
  /** Whose data the record is: the tenant, or `platform` for the admin and services. */
  tenantId: string;
  /** Keyed fingerprint of the request body: a retry must send the same body. */
  fingerprint: string;
  /** Until when the claim blocks other requests with the same key (a crashed request frees it then). */
  lockedUntil: Date;
  /** When the record (and the response it will hold) may be forgotten. */
  expiresAt: Date;
}

export type IdempotencyRecordState = 'in_progress' | 'completed';

export interface IdempotencyRecord {
  id: string;
  tenantId: string;
  fingerprint: string;
  state: IdempotencyRecordState;
  lockedUntil: Date;
  expiresAt: Date;
  /** The sealed response of a completed request. */
  sealedResponse?: string;
}

export type ClaimResult =
  /** This request owns the key; `token` proves it when completing or releasing. */
  | { outcome: 'claimed'; token: string }
  /** A live record exists (in progress, or completed and not expired). */
  | { outcome: 'exists'; record: IdempotencyRecord };

export interface IdempotencyStore {
  /**
   * Atomically claims the key: stores `claim` as in progress when no live record has its id (none, an
   * expired one, or an in-progress claim whose lock passed: its request died) and returns a token;
   * otherwise returns the live record. Of concurrent claims exactly one wins.
   */
  claim(claim: IdempotencyClaim, now: Date): Promise<ClaimResult>;
  /** Stores the sealed response if the claim is still this token's; false if it was taken over or is gone. */
  complete(claim: { id: string; tenantId: string; token: string }, sealedResponse: string, expiresAt: Date): Promise<boolean>;
  /** Removes the claim if it is still this token's (the request failed with a 5xx: a retry may run). */
  release(claim: { id: string; tenantId: string; token: string }): Promise<void>;
  /** Deletes every record expired at `now`; returns how many. Run it now and then. */
  pruneExpired(now: Date): Promise<number>;
}

/** True when the record still decides what a request with its key gets. */
export function isLive(record: Pick<IdempotencyRecord, 'state' | 'lockedUntil' | 'expiresAt'>, now: Date): boolean {
  if (record.expiresAt.getTime() <= now.getTime()) return false;
  return record.state === 'completed' || record.lockedUntil.getTime() > now.getTime();
}
