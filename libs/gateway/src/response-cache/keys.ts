import { type CacheKey, tenantKey } from '@tenantry/cache';
import { headerValue } from './headers';
import type { CacheableRequest } from './types';

/** The cache namespace of responses: `cache.purge(tenantId, RESPONSES_NAMESPACE)` clears a tenant. */
export const RESPONSES_NAMESPACE = 'responses';

/**
 * The query with its parameters sorted by name, so `b=2&a=1` and `a=1&b=2` share an entry. The sort
 * is stable (repeated parameters keep their order: `a=2&a=1` ≠ `a=1&a=2`) and compares the raw,
 * still-encoded names; empty pieces (`a=1&&b=2`) are dropped. Values are not decoded or normalised.
 */
export function sortedQuery(query: string): string {
  if (query.length === 0) return '';
  if (!query.includes('&')) return query;
  const pieces = query.split('&').filter((piece) => piece.length > 0);
  const named = pieces.map((piece) => {
    const equals = piece.indexOf('=');
    return { name: equals === -1 ? piece : piece.slice(0, equals), piece };
  });
  named.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  return named.map((entry) => entry.piece).join('&');
}

/**
 * The key parts of one request, before Vary: `[GET, partition, path, sortedQuery]`. HEAD uses the GET
 * parts (it is answered from the cached GET).
 */
export type BaseParts = readonly [string, string, string, string];

export function baseParts(req: CacheableRequest): BaseParts {
  return ['GET', req.partition ?? '', req.path, sortedQuery(req.query)];
}

/**
 * `tnt:{<tenant>}:responses:GET:<partition>:<path>:<query>` — holds the entry itself when the
 * response had no Vary, or the variants record (the Vary header names) when it had one.
 */
export function primaryKey(tenantId: string, parts: BaseParts): CacheKey {
  return tenantKey(tenantId, RESPONSES_NAMESPACE, ...parts);
}

/**
 * `…:<query>:vary:<name>:<value>[:<name>:<value>…]` — one variant of a response with Vary. A value is
 * `=` + the request's header value, or empty when the request did not send the header, so "absent"
 * and "empty" differ. Every segment is percent-encoded by `tenantKey`, so no value can forge a boundary.
 */
export function variantKey(tenantId: string, parts: BaseParts, vary: readonly string[], headers: CacheableRequest['headers']): CacheKey {
  return tenantKey(tenantId, RESPONSES_NAMESPACE, ...parts, 'vary', ...varySegments(vary, headers));
}

/** The request's values of the Vary headers, as compared between requests (`=value`, or '' when absent). */
export function varySegments(vary: readonly string[], headers: CacheableRequest['headers']): string[] {
  const segments: string[] = [];
  for (const name of vary) {
    const value = headerValue(headers, name);
    segments.push(name, value === undefined ? '' : `=${value.trim()}`);
  }
  return segments;
}

/**
 * `tnt:{<tenant>}:responses:generation` — the tenant's current purge generation. Entries carry the
 * generation they were fetched under and count only while it is current, so a purge is one SET.
 */
export function generationKey(tenantId: string): CacheKey {
  return tenantKey(tenantId, RESPONSES_NAMESPACE, 'generation');
}

/** `tnt:{<tenant>}:responses:lock:<entry key>` — held by the replica fetching the entry at `parts`. */
export function lockKey(tenantId: string, entryKey: CacheKey): CacheKey {
  return tenantKey(tenantId, RESPONSES_NAMESPACE, 'lock', entryKey);
}

/** What a response key of the namespace names: `parts` of a GET, and whether it is one variant (Vary) of it. */
export interface ParsedResponseKey {
  partition: string;
  path: string;
  query: string;
  variant: boolean;
}

/**
 * The request a key of the responses namespace was stored for (the inverse of `primaryKey` /
 * `variantKey`), or undefined for the generation, the locks and anything else. Segments are
 * percent-encoded by `tenantKey`, so `:` only ever separates them.
 */
export function parseResponseKey(key: string): ParsedResponseKey | undefined {
  const segments = key.split(':');
  // tnt, {tenant}, responses, GET, partition, path, query[, vary, …]
  if (segments.length < 7 || segments[2] !== RESPONSES_NAMESPACE || segments[3] !== 'GET') return undefined;
  try {
    return {
      partition: decodeURIComponent(segments[4] ?? ''),
      path: decodeURIComponent(segments[5] ?? ''),
      query: decodeURIComponent(segments[6] ?? ''),
      variant: segments[7] === 'vary',
    };
  } catch {
    return undefined;
  }
}

/** A request's key parts, primary key and its tenant's generation key. */
export interface RequestKey {
  parts: BaseParts;
  primary: CacheKey;
  generation: CacheKey;
  /** What a lookup reads first, in this order: `[generation, primary]`. */
  lookup: readonly [CacheKey, CacheKey];
}

/**
 * Remembers the primary keys of recent requests: encoding every segment costs a few microseconds,
 * most of a hit's CPU time, and the same tenants ask for the same URLs over and over. Bounded
 * (oldest-first eviction), so many distinct URLs (cursors) only cost re-encoding.
 */
export class RequestKeys {
  private readonly memo = new Map<string, RequestKey>();

  constructor(private readonly maxEntries = 5_000) {}

  of(req: CacheableRequest): RequestKey {
    const partition = req.partition ?? '';
    // Length-prefixed, so two different requests can never share a memo entry.
    const id = `${req.tenantId.length}:${req.tenantId}${partition.length}:${partition}${req.path.length}:${req.path}${req.query}`;
    let key = this.memo.get(id);
    if (key === undefined) {
      const parts = baseParts(req);
      const primary = primaryKey(req.tenantId, parts);
      const generation = generationKey(req.tenantId);
      key = { parts, primary, generation, lookup: Object.freeze([generation, primary] as const) };
      if (this.memo.size >= this.maxEntries) this.memo.delete(this.memo.keys().next().value as string);
      this.memo.set(id, key);
    }
    return key;
  }

  get size(): number {
    return this.memo.size;
  }
}
