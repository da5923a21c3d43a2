export {
  CacheUnavailableError,
  type Cache,
  type CacheEntry,
  type CacheHealth,
  type CacheValue,
  type ScanPage,
  type ScannedKey,
} from './cache';
export { encodeKeySegment, isKeyOf, KEY_PREFIX, tenantKey, tenantKeyPattern, type CacheKey } from './keys';
export { createRedisConnection, redactRedisUrl, type RedisConnection, type RedisConnectionOptions } from './redis/connection';
export { RedisCache } from './redis/redis-cache';
export { InMemoryCache, type InMemoryCacheOptions } from './in-memory/in-memory-cache';
export { openCache, redisConnectionOf } from './open-cache';
export { HealthModel, isStoreFailure, type HealthChange, type HealthState } from './health/health-model';
export {
  PER_PROCESS,
  RATE_LIMIT_FALLBACK_MODES,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterBackend,
  type RateLimiterStatus,
  type RateLimitFallbackMode,
  type RateLimitPolicyName,
  type RateLimitPolicyState,
  type RateLimitRequest,
} from './rate-limit/rate-limiter';
export { RedisRateLimiter, rateLimitKey, type RedisRateLimiterOptions } from './rate-limit/redis-rate-limiter';
export { InMemoryRateLimiter, type InMemoryRateLimiterOptions } from './rate-limit/in-memory-rate-limiter';
export { FallbackRateLimiter, type FallbackRateLimiterOptions } from './rate-limit/fallback-rate-limiter';
export { rateLimitHeaders, type RateLimitHeaderValues } from './rate-limit/headers';
export { openRateLimiter, type OpenRateLimiterOptions } from './rate-limit/open-rate-limiter';
