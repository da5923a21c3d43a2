import { type Directives, deltaSeconds, headerValue, isIdentityHeader, parseCacheControl, storableHeaders, varyNames } from './headers';
import type { CacheableRequest, HeaderMap, NotStorableReason, OutcomeReason, UpstreamResponse } from './types';

/** The resolved knobs of ResponseCacheOptions that decide storage. */
export interface StoragePolicy {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  staleWhileRevalidateSeconds: number;
  maxBodyBytes: number;
  cacheNon2xx: boolean;
}

/** Heuristically cacheable non-2xx codes (RFC 9110 §15.1), minus 5xx: stored only with `cacheNon2xx`. */
const STORABLE_NON_2XX: ReadonlySet<number> = new Set([300, 301, 308, 404, 405, 410, 414]);

/**
 * Why a request must not be answered from the cache, decided before any lookup, or undefined.
 * - anything but GET/HEAD → `method`;
 * - the client's `Cache-Control: no-store` → `request-no-store` (fetched, not stored);
 * - `no-cache`, `max-age=0`, or HTTP/1.0 `Pragma: no-cache` → `request-no-cache` (fetched, and
 *   stored when storable, so the client's forced refresh refreshes the cache for everyone).
 */
export function requestBypassReason(req: CacheableRequest): OutcomeReason | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return 'method';
  const cacheControl = req.headers['cache-control'];
  if (cacheControl === undefined)
    return headerValue(req.headers, 'pragma')?.toLowerCase().includes('no-cache') ? 'request-no-cache' : undefined;
  const directives = parseCacheControl(cacheControl);
  if (directives.has('no-store')) return 'request-no-store';
  if (directives.has('no-cache') || deltaSeconds(directives, 'max-age') === 0) return 'request-no-cache';
  return undefined;
}

/** How a storable response is stored. */
export interface StoragePlan {
  headers: HeaderMap;
  /** Sorted lower-case Vary names; empty when the response does not vary. */
  vary: string[];
  freshUntil: number;
  staleUntil: number;
}

export type StorageDecision =
  | { store: true; plan: StoragePlan }
  | {
      store: false;
      reason: NotStorableReason;
      /** Whether requests that waited for this fetch (single-flight) may be given it anyway. */
      shareable: boolean;
    };

/**
 * Whether and for how long a GET response may be stored in this shared cache. Freshness: `s-maxage`,
 * else `max-age`, else `Expires` − `Date`, else the route's TTL, else the default; capped by
 * `maxTtlSeconds`. The stale window: the response's `stale-while-revalidate`, else the configured
 * one; none with `must-revalidate` / `proxy-revalidate`.
 */
export function decideStorage(
  response: UpstreamResponse,
  routeTtlSeconds: number | undefined,
  policy: StoragePolicy,
  now: number,
): StorageDecision {
  const headers = lowerCaseNames(response.headers);
  const directives = parseCacheControl(headers['cache-control']);
  if (directives.has('no-store')) return { store: false, reason: 'not-storable:no-store', shareable: false };
  if (directives.has('private')) return { store: false, reason: 'not-storable:private', shareable: false };
  if (headers['set-cookie'] !== undefined) return { store: false, reason: 'not-storable:set-cookie', shareable: false };
  const vary = varyNames(headers['vary']);
  if (vary.some((name) => name === '*' || isIdentityHeader(name))) return { store: false, reason: 'not-storable:vary', shareable: false };

  const pragmaNoCache = headers['cache-control'] === undefined && headerValue(headers, 'pragma')?.toLowerCase().includes('no-cache');
  if (directives.has('no-cache') || pragmaNoCache) return { store: false, reason: 'not-storable:no-cache', shareable: true };
  if (!isStorableStatus(response.statusCode, policy.cacheNon2xx)) return { store: false, reason: 'not-storable:status', shareable: true };
  if (response.body.length > policy.maxBodyBytes) return { store: false, reason: 'not-storable:too-large', shareable: true };

  const freshSeconds = Math.min(
    freshnessLifetime(directives, headers, now) ?? routeTtlSeconds ?? policy.defaultTtlSeconds,
    policy.maxTtlSeconds,
  );
  if (!(freshSeconds > 0)) return { store: false, reason: 'not-storable:zero-ttl', shareable: true };
  const staleSeconds = Math.min(staleWindow(directives, policy), policy.maxTtlSeconds);
  const freshUntil = now + freshSeconds * 1000;
  return {
    store: true,
    plan: { headers: storableHeaders(headers, response.body.length), vary, freshUntil, staleUntil: freshUntil + staleSeconds * 1000 },
  };
}

function isStorableStatus(statusCode: number, cacheNon2xx: boolean): boolean {
  if (statusCode >= 200 && statusCode < 300) return statusCode !== 206; // no range support: partial content is never stored
  return cacheNon2xx && STORABLE_NON_2XX.has(statusCode);
}

/** The explicit freshness lifetime in seconds, or undefined when the response gives none. */
function freshnessLifetime(directives: Directives, headers: HeaderMap, now: number): number | undefined {
  const explicit = deltaSeconds(directives, 's-maxage') ?? deltaSeconds(directives, 'max-age');
  if (explicit !== undefined) return explicit;
  const expires = headerValue(headers, 'expires');
  if (expires === undefined) return undefined;
  const expiresAt = Date.parse(expires);
  if (Number.isNaN(expiresAt)) return 0; // RFC 9111 §5.3: an invalid Expires means "already expired"
  const date = Date.parse(headerValue(headers, 'date') ?? '');
  return Math.floor((expiresAt - (Number.isNaN(date) ? now : date)) / 1000);
}

function staleWindow(directives: Directives, policy: StoragePolicy): number {
  if (directives.has('must-revalidate') || directives.has('proxy-revalidate')) return 0;
  return deltaSeconds(directives, 'stale-while-revalidate') ?? policy.staleWhileRevalidateSeconds;
}

function lowerCaseNames(headers: HeaderMap): HeaderMap {
  for (const name of Object.keys(headers)) {
    if (name !== name.toLowerCase()) return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  }
  return headers; // node's http module already lower-cases names: the common case copies nothing
}
