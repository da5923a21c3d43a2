export { createCacheAdmin, type CacheAdmin } from './cache-admin';
export { CACHE_ADMIN_PREFIX, cacheAdminDocument, cacheAdminRouter, MAX_WARM_PATHS, requireAdmin } from './cache-admin.routes';
export {
  CACHE_STATS_NAMESPACE,
  CacheStatistics,
  countersKey,
  type CacheStatisticsOptions,
  type TenantStatistics,
} from './cache-statistics';
export { CacheWarmer, tenantLookupThrough, WARMER_KEY_ID, type TenantLookup, type WarmedTenant } from './cache-warmer';
export { routeTemplateOf } from './route-templates';
