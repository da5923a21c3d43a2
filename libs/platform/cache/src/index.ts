export { CacheUnavailableError, type Cache, type CacheEntry, type CacheHealth, type CacheValue } from './cache';
export { encodeKeySegment, isKeyOf, KEY_PREFIX, tenantKey, tenantKeyPattern, type CacheKey } from './keys';
export { createRedisConnection, redactRedisUrl, type RedisConnection, type RedisConnectionOptions } from './redis/connection';
export { RedisCache } from './redis/redis-cache';
export { InMemoryCache, type InMemoryCacheOptions } from './in-memory/in-memory-cache';
export { openCache } from './open-cache';
