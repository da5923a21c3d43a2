import type { Logger } from 'pino';
import type { RedisConnection } from '../redis/connection';
import { FallbackRateLimiter } from './fallback-rate-limiter';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';
import { PER_PROCESS, type RateLimiter, type RateLimitFallbackMode } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';

export interface OpenRateLimiterOptions {
  /** A Redis connection to share (e.g. the cache's); `close()` leaves it open. */
  connection?: RedisConnection | undefined;
  /** Or a Redis URL: the limiter opens a connection of its own and `close()` closes it. */
  redisUrl?: string | undefined;
  logger: Logger;
  /** What to do while Redis is unreachable (default `per-process`). */
  fallbackMode?: RateLimitFallbackMode;
  /** FallbackRateLimiter's `probeIntervalMs` (default 1000 ms; a shared `connection` probes at its own interval). */
  probeIntervalMs?: number;
}

/**
 * Redis behind the fallback (MISSION §4: limits keep holding per process while Redis is down) when a
 * connection or URL is given, otherwise the in-memory limiter (embedded mode); a log line says which.
 */
export function openRateLimiter(options: OpenRateLimiterOptions): RateLimiter {
  const { connection, redisUrl, logger } = options;
  if (!connection && !redisUrl) {
    logger.warn(
      { adapter: 'in-memory', rateLimiter: PER_PROCESS },
      'rate limiter: per-process (REDIS_URL not set): each gateway process counts on its own',
    );
    return new InMemoryRateLimiter();
  }
  const fallbackMode = options.fallbackMode ?? 'per-process';
  logger.info({ adapter: 'redis', fallbackMode }, 'rate limiter: Redis, shared by every gateway process');
  return new FallbackRateLimiter({
    primary: new RedisRateLimiter(connection ? { connection } : { redisUrl: redisUrl as string, logger }),
    mode: fallbackMode,
    logger,
    ...(options.probeIntervalMs !== undefined && { probeIntervalMs: options.probeIntervalMs }),
  });
}
