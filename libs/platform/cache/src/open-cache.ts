import type { Logger } from 'pino';
import type { Cache } from './cache';
import { InMemoryCache } from './in-memory/in-memory-cache';
import { type RedisConnection, createRedisConnection } from './redis/connection';
import { RedisCache } from './redis/redis-cache';

/**
 * Redis when a URL is given, otherwise the in-memory twin (embedded mode), with a log line saying
 * which is in use. `close` releases the connection (a no-op in memory).
 */
export function openCache(options: { redisUrl?: string | undefined; poolSize?: number | undefined; logger: Logger }): {
  cache: Cache;
  connection?: RedisConnection;
  close(): Promise<void>;
} {
  if (options.redisUrl) {
    const connection = createRedisConnection({
      url: options.redisUrl,
      logger: options.logger,
      ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
    });
    return { cache: new RedisCache(connection), connection, close: () => connection.close() };
  }
  options.logger.warn({ adapter: 'in-memory' }, 'cache: in-memory (REDIS_URL not set); not shared between processes');
  return { cache: new InMemoryCache(), close: () => Promise.resolve() };
}

/** The Redis connection pool behind a cache opened on Redis (to share it, and its health model, with the rate limiter). */
export function redisConnectionOf(cache: Cache): RedisConnection | undefined {
  return cache instanceof RedisCache ? cache.connection : undefined;
}
