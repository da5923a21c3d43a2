import { randomBytes } from 'node:crypto';
import type { Cache, CacheKey } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';
import { BackendHealth } from './backend-health';
import { DecodedHeaders, type StoredEntry, decodeStored, encodeEntry, encodeVariants } from './envelope';
import { storableHeaders, varyNames } from './headers';
import { type RequestKey, RequestKeys, generationKey, variantKey } from './keys';
import { type FetchOutcome, type Served, bypass, current, fetchedStatus, hitResponse, sameVariant, varyOf } from './outcomes';
import { PeerLocks } from './peer-lock';
import { type StoragePlan, type StoragePolicy, decideStorage, requestBypassReason } from './policy';
import { SingleFlight } from './single-flight';
import type { CacheableRequest, OutcomeReason, ResponseCacheOptions, ServeResult, UpstreamResponse, WarmResult } from './types';

/** Requests with this tenant id (the platform admin) are never cached: admin reads span tenants, and no tenant event would purge them. */
export const ADMIN_TENANT_ID = '_admin';

/**
 * The one namespace shared by every anonymous caller of the public routes (the billing catalog): the
 * same answer for everyone, so one entry serves all of them. Tenant ids (`ten_…`) never start with `_`,
 * so it is no tenant's namespace; no tenant event purges it: entries live as long as the upstream's
 * Cache-Control allows.
 */
export const PUBLIC_TENANT_ID = '_public';

const DEFAULTS = {
  defaultTtlSeconds: 60,
  maxTtlSeconds: 600,
  staleWhileRevalidateSeconds: 30,
  maxBodyBytes: 1024 * 1024,
  peerWaitMs: 1000,
  probeIntervalMs: 500,
};
type Fetch = () => Promise<UpstreamResponse>;
/** The values of a request's `lookupKeys`, read by the caller in the same round trip as other work (the rate limiter's script). */
export type Prefetched = ReadonlyArray<Buffer | null>;
/** What the cache holds for a request: the entry (if any and current), the key it lives (or would live) at, the tenant's generation. */
interface Lookup {
  entryKey: CacheKey;
  entry?: StoredEntry;
  generation: string;
}

/**
 * The gateway's tenant-isolated response cache (see README.md): HIT / STALE from the cache, MISS with
 * single-flight (in-process, and across replicas through a short lock), BYPASS when the request,
 * the response or the cache backend rules caching out. It never turns a cache failure into an error.
 */
export class ResponseCache {
  private readonly cache: Cache;
  private readonly logger: Logger;
  private readonly enabled: boolean;
  private readonly policy: StoragePolicy;
  private readonly peerLocks: PeerLocks;
  private readonly now: () => number;
  private readonly health: BackendHealth;
  private readonly flights = new SingleFlight<FetchOutcome>();
  /**
   * Tenants whose purge failed (cache unreachable): their old entries are still in the cache, so none of
   * them is served until a purge succeeds — otherwise a plan or status change made during a Redis outage
   * would be undone by stale entries once Redis is back.
   */
  private readonly unpurged = new Set<string>();
  private readonly keys = new RequestKeys();
  private readonly decodedHeaders = new DecodedHeaders();
  /** Outlives any entry (fresh ≤ max TTL, stale ≤ max TTL), so no entry from before a purge can outlive the purge's generation. */
  private readonly generationTtlSeconds: number;

  constructor(private readonly options: ResponseCacheOptions) {
    this.cache = options.cache;
    this.logger = options.logger;
    this.enabled = options.enabled;
    this.now = options.now ?? Date.now;
    this.policy = {
      defaultTtlSeconds: options.defaultTtlSeconds ?? DEFAULTS.defaultTtlSeconds,
      maxTtlSeconds: options.maxTtlSeconds ?? DEFAULTS.maxTtlSeconds,
      staleWhileRevalidateSeconds: options.staleWhileRevalidateSeconds ?? DEFAULTS.staleWhileRevalidateSeconds,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      cacheNon2xx: options.cacheNon2xx ?? false,
    };
    this.generationTtlSeconds = Math.max(86_400, 4 * this.policy.maxTtlSeconds);
    // A disabled cache never touches its backend, not even to read its health model.
    const shared = this.enabled ? options.cache.availability : undefined;
    this.health = new BackendHealth(this.logger, options.probeIntervalMs ?? DEFAULTS.probeIntervalMs, this.now, shared);
    this.peerLocks = new PeerLocks(this.cache, this.health, options.peerWaitMs ?? DEFAULTS.peerWaitMs, this.now);
  }

  /**
   * Serves from the cache, or calls fetchUpstream (once per key at a time) and stores what may be stored.
   * `prefetched`: the values of `lookupKeys(req)`, already read by the caller; the lookup then makes no
   * round trip of its own.
   */
  async serve(req: CacheableRequest, fetchUpstream: Fetch, prefetched?: Prefetched): Promise<ServeResult> {
    return this.serveNow(req, fetchUpstream, prefetched);
  }

  /**
   * `serve`, answered synchronously when it can be: a fresh entry among the `prefetched` values (a cache
   * hit whose lookup the caller already made) is decoded and returned without a promise; anything else
   * (no prefetched values, a miss, a stale entry, a Vary record, a bypass) returns `serve`'s promise.
   */
  serveNow(req: CacheableRequest, fetchUpstream: Fetch, prefetched?: Prefetched): ServeResult | Promise<ServeResult> {
    const hit = prefetched && this.prefetchedHit(req, prefetched);
    if (hit) return this.reported(hit);
    return this.route(req, fetchUpstream, true, prefetched).then((served) => this.reported(served));
  }

  private reported(served: Served): ServeResult {
    try {
      this.options.onOutcome?.(served.reason === undefined ? { status: served.status } : { status: served.status, reason: served.reason });
    } catch (error) {
      this.logger.error({ err: error }, 'response cache: the onOutcome callback threw');
    }
    return { status: served.status, response: served.response };
  }

  /**
   * A HIT from prefetched values, when `route` would serve one without any further I/O: the same checks
   * in the same order (the cache on, a tenant's cacheable request and route, the backend not failing, no
   * purge owed), then the entry, current and fresh. Undefined: let `route` decide.
   */
  private prefetchedHit(req: CacheableRequest, prefetched: Prefetched): Served | undefined {
    if (!this.enabled || req.tenantId === ADMIN_TENANT_ID || !req.tenantId || requestBypassReason(req) !== undefined) return undefined;
    const routeTtl = this.options.routeTtl?.(req);
    if (routeTtl !== undefined && !(routeTtl > 0)) return undefined;
    if (!this.health.mayTry() || this.unpurged.has(req.tenantId)) return undefined;
    const lookup = this.decodeLookup(this.keys.of(req).primary, prefetched);
    const entry = 'entry' in lookup ? lookup.entry : undefined;
    if (entry === undefined) return undefined;
    const now = this.now();
    return now < entry.freshUntil ? { status: 'HIT', response: hitResponse(entry, now, req.method === 'HEAD') } : undefined;
  }

  /**
   * Invalidates every cached response of the tenant, on every replica, in one SET: a new generation
   * makes all older entries (and what fetches already in flight will store) invisible; they expire by
   * themselves. Fetches in flight here are no longer joined by later requests. Rejects when the cache
   * is down (so an event consumer retries); callers on the request path should catch.
   */
  async purgeTenant(tenantId: string): Promise<void> {
    if (!this.enabled) return;
    this.flights.markPurged(tenantId);
    try {
      await this.cache.set(generationKey(tenantId), randomBytes(9).toString('base64url'), { ttlSeconds: this.generationTtlSeconds });
      this.unpurged.delete(tenantId);
      this.health.succeeded();
    } catch (error) {
      this.unpurged.add(tenantId);
      this.health.failed(error);
      throw error;
    }
  }

  /** Whether a tenant's GET of this request would be looked up and stored at all (the cache is on and no TTL rule disables the route). */
  caches(req: CacheableRequest): boolean {
    if (!this.enabled || !req.tenantId || req.tenantId === ADMIN_TENANT_ID) return false;
    const routeTtl = this.options.routeTtl?.(req);
    return routeTtl === undefined || routeTtl > 0;
  }

  /**
   * Warms the entry of a tenant's GET: fetches it (whatever the cache holds) and stores the response
   * as `serve` would have, under the tenant's current generation, so its next request is a HIT. Never
   * served from the cache and never coalesced with a client's fetch. `stored: false` names why
   * (`disabled`, `route-disabled`, `cache-unavailable`, a `not-storable:*` reason, …).
   */
  async warm(req: CacheableRequest, fetch: Fetch): Promise<WarmResult> {
    const skipped = async (reason: OutcomeReason): Promise<WarmResult> => ({ stored: false, reason, response: await fetch() });
    if (!this.enabled) return skipped('disabled');
    if (!req.tenantId || req.tenantId === ADMIN_TENANT_ID) return skipped('no-tenant');
    if (req.method !== 'GET') return skipped('method');
    const routeTtl = this.options.routeTtl?.(req);
    if (routeTtl !== undefined && !(routeTtl > 0)) return skipped('route-disabled');
    if (this.unpurged.has(req.tenantId)) {
      const purged = await this.purgeTenant(req.tenantId).then(
        () => true,
        () => false,
      );
      if (!purged) return skipped('cache-unavailable');
    }
    const key = this.keys.of(req);
    const outcome = await this.fetchAndStore(req, key, await this.generationOf(key), fetch, routeTtl);
    const status = fetchedStatus(outcome);
    return status.status === 'MISS'
      ? { stored: true, response: outcome.response }
      : { stored: false, reason: status.reason ?? 'cache-unavailable', response: outcome.response };
  }

  /**
   * The keys `serve` would read first for this request, when it would read them now (cache on and
   * reachable, the request and route cacheable, the tenant's last purge done): a caller may read them in
   * a round trip it makes anyway and hand the values to `serve`. Undefined: `serve` decides alone.
   */
  lookupKeys(req: CacheableRequest): readonly CacheKey[] | undefined {
    if (!this.enabled || !req.tenantId || req.tenantId === ADMIN_TENANT_ID || this.health.degraded || this.unpurged.has(req.tenantId))
      return undefined;
    if (requestBypassReason(req) !== undefined) return undefined;
    const routeTtl = this.options.routeTtl?.(req);
    if (routeTtl !== undefined && !(routeTtl > 0)) return undefined;
    return this.keys.of(req).lookup;
  }

  status(): { enabled: boolean; degraded: boolean } {
    return { enabled: this.enabled, degraded: this.enabled && this.health.degraded };
  }

  private async route(req: CacheableRequest, fetch: Fetch, mayRetry: boolean, prefetched?: Prefetched): Promise<Served> {
    if (!this.enabled) return bypass(await fetch(), 'disabled');
    if (req.tenantId === ADMIN_TENANT_ID) return bypass(await fetch(), 'admin');
    if (!req.tenantId) return bypass(await fetch(), 'no-tenant');
    const requestReason = requestBypassReason(req);
    if (requestReason === 'method') return bypass(await fetch(), 'method');
    const routeTtl = this.options.routeTtl?.(req);
    if (routeTtl !== undefined && !(routeTtl > 0)) return bypass(await fetch(), 'route-disabled');
    if (!this.health.mayTry()) return bypass(await fetch(), 'cache-unavailable');
    if (this.unpurged.has(req.tenantId)) {
      const purged = await this.purgeTenant(req.tenantId).then(
        () => true,
        () => false,
      );
      if (!purged) return bypass(await fetch(), 'cache-unavailable');
      prefetched = undefined; // read before this purge: the generation it holds is gone
    }
    if (requestReason !== undefined) return this.fetchForcedByClient(req, fetch, routeTtl, requestReason);

    const head = req.method === 'HEAD';
    const key = this.keys.of(req);
    let lookup: Lookup;
    try {
      lookup = await this.lookup(req, key, prefetched);
    } catch (error) {
      this.health.failed(error);
      return bypass(await fetch(), 'cache-unavailable');
    }
    const { entry } = lookup;
    if (entry) {
      const now = this.now();
      if (now < entry.freshUntil) return { status: 'HIT', response: hitResponse(entry, now, head) };
      if (now < entry.staleUntil && !head) {
        this.revalidateInBackground(req, key, lookup, fetch, routeTtl);
        return { status: 'STALE', response: hitResponse(entry, now, false) };
      }
    }
    // A HEAD response has no body to store: a HEAD miss is fetched as it is (a later GET fills the cache).
    if (head) return { status: 'MISS', response: await fetch() };
    return this.fetchOnce(req, key, lookup, fetch, routeTtl, mayRetry);
  }

  /**
   * Reads the entry for `req` and the tenant's generation: one round trip (two GETs, pipelined), or two
   * when the primary key holds a variants record (Vary). An entry of an older generation is no entry.
   */
  private async lookup(req: CacheableRequest, { parts, primary, lookup }: RequestKey, prefetched?: Prefetched): Promise<Lookup> {
    const found = this.decodeLookup(primary, prefetched ?? (await this.cache.getMany(lookup)));
    if (!('vary' in found)) return found;
    // The primary key holds a variants record (Vary): the variant's entry is one more read.
    const { generation } = found;
    const variant = variantKey(req.tenantId, parts, found.vary, req.headers);
    const variantValue = await this.cache.get(variant);
    const variantStored = variantValue && decodeStored(variantValue, this.decodedHeaders);
    return {
      entryKey: variant,
      generation,
      ...(variantStored && variantStored.kind === 'entry' ? current(variantStored.entry, generation) : {}),
    };
  }

  /**
   * The lookup from the values of the generation and the primary key (read: the backend answered), or,
   * when the primary key holds a variants record, the names it varies on (the variant is one more read).
   * Synchronous: a prefetched hit is decoded without a promise.
   */
  private decodeLookup(primary: CacheKey, [generationValue, value]: Prefetched): Lookup | { generation: string; vary: string[] } {
    this.health.succeeded();
    const generation = generationValue ? generationValue.toString('utf8') : '';
    const stored = value && decodeStored(value, this.decodedHeaders);
    if (!stored) return { entryKey: primary, generation };
    if (stored.kind === 'entry') return { entryKey: primary, generation, ...current(stored.entry, generation) };
    return { generation, vary: stored.record.vary };
  }

  /** The tenant's generation, for a fetch that did not look up first; undefined (do not store) when the cache fails. */
  private async generationOf(key: RequestKey): Promise<string | undefined> {
    try {
      const value = await this.cache.get(key.generation);
      this.health.succeeded();
      return value ? value.toString('utf8') : '';
    } catch (error) {
      this.health.failed(error);
      return undefined;
    }
  }

  /** A cold miss: joins the fetch in flight for the key, or leads one. */
  private async fetchOnce(
    req: CacheableRequest,
    key: RequestKey,
    { entryKey, generation }: Lookup,
    fetch: Fetch,
    routeTtl: number | undefined,
    mayRetry: boolean,
  ): Promise<Served> {
    const inFlight = this.flights.get(entryKey);
    if (inFlight) return this.follow(await inFlight.outcome, req, fetch, routeTtl, mayRetry);
    const flight = this.flights.start(entryKey, req.tenantId, async (): Promise<FetchOutcome> => {
      const peer = await this.peerLocks.takeOrAwaitPeer(req.tenantId, entryKey, async () => (await this.lookup(req, key)).entry);
      if (peer.entry) return { source: 'peer', entry: peer.entry, ...varyOf(varyNames(peer.entry.headers['vary']), req) };
      try {
        return await this.fetchAndStore(req, key, generation, fetch, routeTtl);
      } finally {
        if (peer.locked) this.peerLocks.release(req.tenantId, entryKey);
      }
    });
    const outcome = await flight.outcome;
    if (outcome.source === 'peer') return { status: 'HIT', reason: 'peer', response: hitResponse(outcome.entry, this.now(), false) };
    if (outcome.source === 'none') return this.route(req, fetch, false);
    return { ...fetchedStatus(outcome), response: outcome.response };
  }

  /** A request that waited for another's fetch gets its outcome, when that outcome is valid for it. */
  private async follow(
    outcome: FetchOutcome,
    req: CacheableRequest,
    fetch: Fetch,
    routeTtl: number | undefined,
    mayRetry: boolean,
  ): Promise<Served> {
    if (outcome.source === 'none' || !sameVariant(outcome, req)) {
      // The fetch was for another variant (Vary), or left to another replica: look again, once.
      if (mayRetry) return this.route(req, fetch, false);
      return this.fetchDirect(req, fetch, routeTtl);
    }
    if (outcome.source === 'peer') return { status: 'HIT', reason: 'peer', response: hitResponse(outcome.entry, this.now(), false) };
    const { response, decision } = outcome;
    if (!decision.store && !decision.shareable) return this.fetchDirect(req, fetch, routeTtl); // e.g. Set-Cookie: never handed to another caller
    const shared: UpstreamResponse = {
      statusCode: response.statusCode,
      headers: decision.store ? { ...decision.plan.headers } : storableHeaders(response.headers, response.body.length),
      body: response.body,
    };
    const status = fetchedStatus(outcome);
    return { status: status.status, reason: status.status === 'MISS' ? 'coalesced' : status.reason, response: shared };
  }

  /** Fetches without coalescing (the response another request got was not valid for this one) and stores it if storable. */
  private async fetchDirect(req: CacheableRequest, fetch: Fetch, routeTtl: number | undefined): Promise<Served> {
    const key = this.keys.of(req);
    const outcome = await this.fetchAndStore(req, key, await this.generationOf(key), fetch, routeTtl);
    return { ...fetchedStatus(outcome), response: outcome.response };
  }

  /** The client asked for a fresh response (`no-cache`, `no-store`): always fetched; a `no-cache` GET refreshes the entry. */
  private async fetchForcedByClient(
    req: CacheableRequest,
    fetch: Fetch,
    routeTtl: number | undefined,
    reason: OutcomeReason,
  ): Promise<Served> {
    if (reason !== 'request-no-cache' || req.method !== 'GET') return bypass(await fetch(), reason);
    const key = this.keys.of(req);
    const outcome = await this.fetchAndStore(req, key, await this.generationOf(key), fetch, routeTtl);
    return bypass(outcome.response, reason);
  }

  /**
   * Fetches and stores what may be stored, under `generation`: the tenant's generation read BEFORE the
   * fetch, so a response fetched across a purge (on any replica) lands in the old generation, where no
   * one sees it. Undefined = do not store (the cache failed).
   */
  private async fetchAndStore(
    req: CacheableRequest,
    key: RequestKey,
    generation: string | undefined,
    fetch: Fetch,
    routeTtl: number | undefined,
  ): Promise<FetchOutcome & { source: 'upstream' }> {
    const response = await fetch();
    const now = this.now();
    const decision = decideStorage(response, routeTtl, this.policy, now);
    const storeFailed =
      decision.store && !(generation !== undefined && (await this.store(req, key, generation, decision.plan, response, now)));
    const vary = decision.store ? decision.plan.vary : varyNames(response.headers['vary'] ?? response.headers['Vary']);
    return { source: 'upstream', response, decision, storeFailed, ...varyOf(vary, req) };
  }

  /** Writes the entry (and, with Vary, the variants record); false when the cache failed. */
  private async store(
    req: CacheableRequest,
    { parts, primary }: RequestKey,
    generation: string,
    plan: StoragePlan,
    response: UpstreamResponse,
    now: number,
  ): Promise<boolean> {
    const { statusCode, body } = response;
    const entry = encodeEntry({
      statusCode,
      headers: plan.headers,
      body,
      storedAt: now,
      freshUntil: plan.freshUntil,
      staleUntil: plan.staleUntil,
      generation,
    });
    const ttlSeconds = (plan.staleUntil - now) / 1000;
    try {
      if (plan.vary.length === 0) {
        await this.cache.set(primary, entry, { ttlSeconds });
      } else {
        // The record outlives any variant (fresh ≤ max TTL, stale window ≤ max TTL), so no variant is orphaned.
        await this.cache.setMany([
          { key: primary, value: encodeVariants({ vary: plan.vary }), ttlSeconds: 2 * this.policy.maxTtlSeconds },
          { key: variantKey(req.tenantId, parts, plan.vary, req.headers), value: entry, ttlSeconds },
        ]);
      }
      this.health.succeeded();
      return true;
    } catch (error) {
      this.health.failed(error);
      return false;
    }
  }

  /**
   * Serves a stale entry's request at once and refreshes the entry behind it, once per key: in this
   * process (single-flight) and across replicas (the same lock as cold misses; the loser skips).
   * A failed or 5xx refresh keeps the stale entry until its window ends; a refresh the response no
   * longer allows to be stored (no-store, 404, …) drops it.
   */
  private revalidateInBackground(
    req: CacheableRequest,
    key: RequestKey,
    { entryKey, generation }: Lookup,
    fetch: Fetch,
    routeTtl: number | undefined,
  ): void {
    if (this.flights.get(entryKey)) return;
    const flight = this.flights.start(entryKey, req.tenantId, async (self): Promise<FetchOutcome> => {
      if (!(await this.peerLocks.take(req.tenantId, entryKey))) return { source: 'none' };
      try {
        const outcome = await this.fetchAndStore(req, key, generation, fetch, routeTtl);
        if (!outcome.decision.store && outcome.response.statusCode < 500 && !self.purged) await this.dropEntry(entryKey);
        return outcome;
      } finally {
        this.peerLocks.release(req.tenantId, entryKey);
      }
    });
    flight.outcome.catch((error: unknown) => {
      this.logger.warn({ tenantId: req.tenantId, err: error }, 'response cache: background revalidation failed; the stale entry is kept');
    });
  }

  private async dropEntry(entryKey: CacheKey): Promise<void> {
    try {
      await this.cache.delete([entryKey]);
    } catch (error) {
      this.health.failed(error);
    }
  }
}
