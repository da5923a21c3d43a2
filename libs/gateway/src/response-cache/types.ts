import type { Cache } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';

/** Header values as node's http module gives and takes them. */
export type HeaderMap = Record<string, string | string[]>;

/** What the proxy got from a service (or what the cache gives back). Header names are lower-case. */
export interface UpstreamResponse {
  statusCode: number;
  headers: HeaderMap;
  body: Buffer;
}

/** The parts of an authenticated gateway request the cache needs. */
export interface CacheableRequest {
  /** The authenticated tenant. `ADMIN_TENANT_ID` ('_admin') always bypasses the cache. */
  tenantId: string;
  /** Only GET and HEAD are cacheable; HEAD is answered from a cached GET. */
  method: string;
  /** URL path without the query, exactly as it is proxied (not normalised). */
  path: string;
  /** Raw query string without '?', may be ''. */
  query: string;
  /** Request headers with lower-case names (for Vary and the request's Cache-Control). */
  headers: Record<string, string | string[] | undefined>;
  /**
   * Optional extra key component for responses that depend on more than the tenant, e.g. a digest of
   * the API key's scopes when services answer differently per scope. Requests with different
   * partitions never share an entry; purgeTenant still clears all of them.
   */
  partition?: string;
}

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS' | 'STALE';

/**
 * Why a request got its status (a small, fixed set: safe as a metric label).
 * - BYPASS: `disabled`, `admin`, `no-tenant` (an empty tenant id: never keyed), `method`, `route-disabled`, `request-no-cache`, `request-no-store`,
 *   `cache-unavailable`, or a `not-storable:*` reason when the response turned out not to be storable.
 * - MISS: `coalesced` for requests that waited for another request's fetch; none for the fetcher.
 * - HIT: `peer` when another gateway replica fetched it while this one waited.
 */
export type OutcomeReason =
  | 'disabled'
  | 'admin'
  | 'no-tenant'
  | 'method'
  | 'route-disabled'
  | 'request-no-cache'
  | 'request-no-store'
  | 'cache-unavailable'
  | 'coalesced'
  | 'peer'
  | NotStorableReason;

export type NotStorableReason =
  | 'not-storable:no-store'
  | 'not-storable:private'
  | 'not-storable:no-cache'
  | 'not-storable:zero-ttl'
  | 'not-storable:set-cookie'
  | 'not-storable:status'
  | 'not-storable:too-large'
  | 'not-storable:vary'
  | 'not-storable:head';

export interface CacheOutcome {
  status: CacheStatus;
  reason?: OutcomeReason;
}

export interface ServeResult {
  status: CacheStatus;
  response: UpstreamResponse;
}

/** What `warm` did: stored the response as the tenant's entry, or not (and why). */
export type WarmResult =
  { stored: true; response: UpstreamResponse } | { stored: false; reason: OutcomeReason; response: UpstreamResponse };

export interface ResponseCacheOptions {
  cache: Cache;
  logger: Logger;
  /** ENABLE_RESPONSE_CACHE; when false every request is a BYPASS and the cache is never touched. */
  enabled: boolean;
  /** Freshness when the response says nothing (no max-age, s-maxage or Expires). Default 60. */
  defaultTtlSeconds?: number;
  /** Upper bound on any freshness lifetime, whatever the response or the route says. Default 600. */
  maxTtlSeconds?: number;
  /** How long past freshness an entry may be served STALE while it is revalidated. Default 30. */
  staleWhileRevalidateSeconds?: number;
  /** Larger bodies are not stored. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Per-tenant/route freshness that replaces the default (not an explicit max-age); 0 = never cache. */
  routeTtl?: (req: CacheableRequest) => number | undefined;
  /** Also store 300, 301, 308, 404, 405, 410, 414 responses. Default false. */
  cacheNon2xx?: boolean;
  /** Called once per `serve` (metrics). Must not throw. */
  onOutcome?: (outcome: CacheOutcome) => void;
  /**
   * How long a cold request waits for another gateway replica that is already fetching the same key
   * (it holds a short lock in the cache) before fetching itself. 0 = no cross-replica coalescing. Default 1000.
   */
  peerWaitMs?: number;
  /** While degraded, at most one request per interval tries the cache again (the rest bypass at once). Default 500. */
  probeIntervalMs?: number;
  /** The clock (epoch ms), injectable for tests. */
  now?: () => number;
}
