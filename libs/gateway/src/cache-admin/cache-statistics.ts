import { type Cache, tenantKey } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';
import { type CacheStatus, parseResponseKey, RESPONSES_NAMESPACE, type ResponseCache } from '../response-cache';
import { routeTemplateOf } from './route-templates';

/** The namespace of the hit/miss counters: apart from `responses`, so purging a tenant's responses keeps its counts. */
export const CACHE_STATS_NAMESPACE = 'cache-stats';
/** The counters expire after a week without a counted request (each count extends it). */
export const COUNTERS_TTL_SECONDS = 7 * 86_400;

export interface CacheStatisticsOptions {
  cache: Cache;
  responseCache: ResponseCache;
  logger: Logger;
  /** SCAN's COUNT per step (default 500). */
  scanCount?: number;
  /** Keys a statistics read looks at, at most (default 10 000): past it the answer says `truncated`. */
  maxScannedKeys?: number;
  /** SCAN steps a statistics read takes, at most (default 1 000): bounds the walk over a large keyspace. */
  maxScanSteps?: number;
  /** How often the counts this replica summed are added to the shared counters (default 1 000 ms). */
  flushIntervalMs?: number;
}

export interface RouteStatistics {
  route: string;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  hit_ratio: number | null;
}

export interface TenantStatistics {
  tenant_id: string;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  hit_ratio: number | null;
  truncated: boolean;
  routes: RouteStatistics[];
}

const HIT = 'hits ';
const MISS = 'misses ';
/** Grouping for a stored path no route template describes (cannot happen for entries the gateway stored). */
const OTHER_ROUTE = 'other';
/** Paths whose route template is remembered (distinct ids in paths only cost computing it again). */
const MAX_REMEMBERED_PATHS = 5_000;

/**
 * A tenant's cache as operators see it: hits and misses per route template, summed in each gateway
 * replica and added once a second to one Redis hash of the tenant (`tnt:{<tenant>}:cache-stats:counters`,
 * HINCRBY, in the tenant's hash slot) — so a cache hit costs no Redis command of its own, and every
 * replica's counts meet there — and entries/bytes per route found by SCANning the tenant's `responses`
 * namespace (bounded). Also the purges of a namespace or of one route, which delete the entries.
 */
export class CacheStatistics {
  private readonly scanCount: number;
  private readonly maxScannedKeys: number;
  private readonly maxScanSteps: number;
  /** Counts of this replica not yet added to the shared counters: tenant → field → count. */
  private pending = new Map<string, Record<string, number>>();
  private readonly templates = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: CacheStatisticsOptions) {
    this.scanCount = options.scanCount ?? 500;
    this.maxScannedKeys = options.maxScannedKeys ?? 10_000;
    this.maxScanSteps = options.maxScanSteps ?? 1_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1_000);
    this.timer.unref();
  }

  /**
   * Counts a tenant's GET served through the cache: HIT and STALE as hits, MISS as a miss (BYPASS is
   * not a lookup that could have hit). In memory: the next flush adds it to the shared counters.
   */
  record(tenantId: string, path: string, status: CacheStatus): void {
    if (status === 'BYPASS') return;
    const route = this.templateOf(path);
    const field = `${status === 'MISS' ? MISS : HIT}${route}`;
    let counts = this.pending.get(tenantId);
    if (!counts) this.pending.set(tenantId, (counts = {}));
    counts[field] = (counts[field] ?? 0) + 1;
  }

  /** `routeTemplateOf`, remembered per path (bounded, oldest first): every cached GET of a path is counted under it. */
  private templateOf(path: string): string {
    let template = this.templates.get(path);
    if (template === undefined) {
      template = routeTemplateOf(path) ?? OTHER_ROUTE;
      if (this.templates.size >= MAX_REMEMBERED_PATHS) this.templates.delete(this.templates.keys().next().value as string);
      this.templates.set(path, template);
    }
    return template;
  }

  /** Adds this replica's counts so far to the shared counters, one write per tenant; a failed one is only logged. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...batch].map(([tenantId, counts]) =>
        this.options.cache
          .incrementCounters(countersKey(tenantId), counts, { ttlSeconds: COUNTERS_TTL_SECONDS })
          .catch((error: unknown) => this.options.logger.debug({ err: error, tenantId }, 'cache statistics: counts were lost')),
      ),
    );
  }

  /** Stops the periodic flush after a last one. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The tenant's statistics: this replica's counts are flushed first; another replica's arrive within its flush interval. */
  async of(tenantId: string): Promise<TenantStatistics> {
    await this.flush();
    const [counters, stored] = await Promise.all([this.options.cache.readCounters(countersKey(tenantId)), this.scan(tenantId)]);
    const routes = new Map<string, RouteStatistics>();
    const at = (route: string): RouteStatistics => {
      let found = routes.get(route);
      if (!found) routes.set(route, (found = { route, entries: 0, bytes: 0, hits: 0, misses: 0, hit_ratio: null }));
      return found;
    };
    for (const [field, count] of Object.entries(counters)) {
      if (field.startsWith(HIT)) at(field.slice(HIT.length)).hits += count;
      else if (field.startsWith(MISS)) at(field.slice(MISS.length)).misses += count;
    }
    for (const [route, { entries, bytes }] of stored.routes) {
      const found = at(route);
      found.entries += entries;
      found.bytes += bytes;
    }
    const list = [...routes.values()]
      .sort((a, b) => a.route.localeCompare(b.route))
      .map((route) => ({ ...route, hit_ratio: ratio(route) }));
    const total = list.reduce((sum, route) => ({ hits: sum.hits + route.hits, misses: sum.misses + route.misses }), { hits: 0, misses: 0 });
    return {
      tenant_id: tenantId,
      entries: list.reduce((sum, route) => sum + route.entries, 0),
      bytes: list.reduce((sum, route) => sum + route.bytes, 0),
      ...total,
      hit_ratio: ratio(total),
      truncated: stored.truncated,
      routes: list,
    };
  }

  /**
   * Purges the tenant's whole namespace: first a new generation (every replica stops serving its entries
   * at once, and a fetch in flight lands in the old generation), then the entries are deleted (SCAN +
   * UNLINK, to the end). Resolves to the number of entries deleted.
   */
  async purgeTenant(tenantId: string): Promise<number> {
    await this.options.responseCache.purgeTenant(tenantId);
    return this.deleteEntries(tenantId, () => true);
  }

  /**
   * Deletes the tenant's entries of one route template (every query, partition and variant of it);
   * the rest of the namespace stays. There is no generation per route: a fetch of that route already
   * in flight may still store its answer.
   */
  purgeRoute(tenantId: string, route: string): Promise<number> {
    return this.deleteEntries(tenantId, (path) => routeTemplateOf(path) === route);
  }

  private async deleteEntries(tenantId: string, matches: (path: string) => boolean): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const page = await this.options.cache.scanPage(tenantId, RESPONSES_NAMESPACE, cursor, this.scanCount);
      cursor = page.cursor;
      const doomed = page.keys.filter(({ key }) => {
        const parsed = parseResponseKey(key);
        return parsed !== undefined && matches(parsed.path);
      });
      if (doomed.length > 0) removed += await this.options.cache.delete(doomed.map(({ key }) => key));
    } while (cursor !== '0');
    return removed;
  }

  /** Entries and bytes per route template, from a SCAN of the namespace bounded in keys and steps. */
  private async scan(tenantId: string): Promise<{ routes: Map<string, { entries: number; bytes: number }>; truncated: boolean }> {
    const routes = new Map<string, { entries: number; bytes: number }>();
    const seen = new Set<string>();
    let cursor = '0';
    let steps = 0;
    do {
      const page = await this.options.cache.scanPage(tenantId, RESPONSES_NAMESPACE, cursor, this.scanCount);
      cursor = page.cursor;
      steps += 1;
      for (const { key, bytes } of page.keys) {
        const parsed = parseResponseKey(key);
        if (!parsed || seen.has(key)) continue; // the generation and locks; SCAN may return a key twice
        seen.add(key);
        const route = routeTemplateOf(parsed.path) ?? OTHER_ROUTE;
        const found = routes.get(route) ?? { entries: 0, bytes: 0 };
        routes.set(route, { entries: found.entries + 1, bytes: found.bytes + bytes });
      }
    } while (cursor !== '0' && seen.size < this.maxScannedKeys && steps < this.maxScanSteps);
    return { routes, truncated: cursor !== '0' };
  }
}

/** `tnt:{<tenant>}:cache-stats:counters` — one hash per tenant: `hits <route>` and `misses <route>`. */
export function countersKey(tenantId: string) {
  return tenantKey(tenantId, CACHE_STATS_NAMESPACE, 'counters');
}

function ratio({ hits, misses }: { hits: number; misses: number }): number | null {
  const lookups = hits + misses;
  return lookups === 0 ? null : Math.round((hits / lookups) * 10_000) / 10_000;
}
