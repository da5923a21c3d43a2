import type { StoredEntry } from './envelope';
import { varySegments } from './keys';
import type { StorageDecision } from './policy';
import type { CacheStatus, CacheableRequest, HeaderMap, OutcomeReason, ServeResult, UpstreamResponse } from './types';

/** A serve result with the reason reported to `onOutcome`. */
export interface Served extends ServeResult {
  reason?: OutcomeReason;
}

/** The outcome of one fetch, shared by every request that waited for it (`vary`: the names; `varyValues`: the fetcher's values). */
export type FetchOutcome =
  | {
      source: 'upstream';
      response: UpstreamResponse;
      decision: StorageDecision;
      storeFailed: boolean;
      vary: string[];
      varyValues: string[];
    }
  | { source: 'peer'; entry: StoredEntry; vary: string[]; varyValues: string[] }
  /** A background revalidation left to another replica: nothing to share. */
  | { source: 'none' };

const EMPTY_BODY = Buffer.alloc(0);

export function bypass(response: UpstreamResponse, reason: OutcomeReason): Served {
  return { status: 'BYPASS', reason, response };
}

/** MISS when the fetched response was stored, else BYPASS with the reason it was not. */
export function fetchedStatus(outcome: { decision: StorageDecision; storeFailed: boolean }): {
  status: CacheStatus;
  reason?: OutcomeReason;
} {
  if (!outcome.decision.store) return { status: 'BYPASS', reason: outcome.decision.reason };
  return outcome.storeFailed ? { status: 'BYPASS', reason: 'cache-unavailable' } : { status: 'MISS' };
}

/** The entry, when it belongs to the tenant's current generation (else it was purged). */
export function current(entry: StoredEntry, generation: string): { entry?: StoredEntry } {
  return entry.generation === generation ? { entry } : {};
}

export function varyOf(vary: string[], req: CacheableRequest): { vary: string[]; varyValues: string[] } {
  return { vary, varyValues: varySegments(vary, req.headers) };
}

/** Whether a request would have selected the same variant as the request that fetched. */
export function sameVariant(outcome: { vary: string[]; varyValues: string[] }, req: CacheableRequest): boolean {
  if (outcome.vary.length === 0) return true;
  const mine = varySegments(outcome.vary, req.headers);
  return mine.every((segment, index) => segment === outcome.varyValues[index]);
}

/**
 * The stored response as served, with `Age` and no body for HEAD. Its headers object is the caller's to
 * change: a copy, since the entry's own may be shared by every hit of it (`DecodedHeaders`) or by the
 * requests that waited for one fetch.
 */
export function hitResponse(entry: StoredEntry, now: number, head: boolean): UpstreamResponse {
  const headers: HeaderMap = { ...entry.headers, age: String(Math.max(0, Math.floor((now - entry.storedAt) / 1000))) };
  return { statusCode: entry.statusCode, headers, body: head ? EMPTY_BODY : entry.body };
}
