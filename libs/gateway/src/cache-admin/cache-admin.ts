import type { Cache } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';
import type { ServiceDocument } from '../api-reference/merge-documents';
import type { PlansInForce } from '../auth/plans-in-force';
import type { Upstreams } from '../proxy/upstreams';
import type { ResponseCache } from '../response-cache';
import { cacheAdminDocument, cacheAdminRouter } from './cache-admin.routes';
import { CacheStatistics, type CacheStatisticsOptions } from './cache-statistics';
import { CacheWarmer, type TenantLookup, tenantLookupThrough } from './cache-warmer';

export interface CacheAdmin {
  /** Mounted by the gateway app under CACHE_ADMIN_PREFIX, behind the admin check. */
  router: ReturnType<typeof cacheAdminRouter>;
  /** Counts every tenant GET served through the cache. */
  statistics: CacheStatistics;
  /** Its operations, for the merged API reference. */
  document: ServiceDocument;
}

/** The cache operations, wired to the gateway's cache, response cache, upstreams and plans in force. */
export function createCacheAdmin(deps: {
  cache: Cache;
  responseCache: ResponseCache;
  upstreams: Upstreams;
  plans: PlansInForce;
  logger: Logger;
  /** How warming learns a tenant's status and plan (default: the tenants service, asked as the admin). */
  lookupTenant?: TenantLookup;
  scan?: Pick<CacheStatisticsOptions, 'scanCount' | 'maxScannedKeys' | 'maxScanSteps'>;
}): CacheAdmin {
  const statistics = new CacheStatistics({ cache: deps.cache, responseCache: deps.responseCache, logger: deps.logger, ...deps.scan });
  const warmer = new CacheWarmer({
    responseCache: deps.responseCache,
    upstreams: deps.upstreams,
    plans: deps.plans,
    lookupTenant: deps.lookupTenant ?? tenantLookupThrough(deps.upstreams),
  });
  const router = cacheAdminRouter({ statistics, warmer });
  return { router, statistics, document: cacheAdminDocument(router) };
}
