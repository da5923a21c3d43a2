import { type CacheHealth, CacheUnavailableError } from '../cache';
import { type CacheKey, tenantKey } from '../keys';
import type { Logger } from 'pino';
import { type RedisConnection, createRedisConnection, isUnavailable } from '../redis/connection';
import { LocalDays } from './local-days';
import { RATE_LIMIT_LUA, RATE_LIMIT_LUA_SHA1 } from './rate-limit.lua';
import {
  ALLOWED_UNLIMITED,
  NOT_COUNTED,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterStatus,
  type RateLimitRequest,
  decisionFrom,
  normalizeRateLimitRequest,
} from './rate-limiter';

/** Tenants whose counter key is remembered (building a key encodes every character of the id). */
const MAX_REMEMBERED_KEYS = 10_000;

/** Redis refusing work while reachable (out of memory, a replica, busy, failing over): as good as down. */
const UNAVAILABLE_REPLY = /^(OOM|READONLY|BUSY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/**
 * Either a connection of its own, opened from `redisUrl` and closed by `close()` (recommended for a
 * gateway: a large cached response on a shared socket would delay the limiter's small replies), or a
 * `connection` shared with other code, which `close()` leaves open.
 */
export type RedisRateLimiterOptions = (
  { redisUrl: string; logger: Logger; commandTimeoutMs?: number } | { connection: RedisConnection }
) & {
  /**
   * The time to count against (ms since epoch), passed to the script instead of the Redis server clock.
   * For tests that need to stand at a chosen instant (a DST day); leave it unset in production, where
   * every gateway must use the one server clock.
   */
  now?: () => number;
};

/** The counter hash of a tenant: one key per tenant, hash-tagged like all of the tenant's keys. */
export function rateLimitKey(tenantId: string): CacheKey {
  return tenantKey(tenantId, 'ratelimit', 'counters');
}

/**
 * The RateLimiter on Redis: one EVALSHA per request (auto-pipelined with other commands), exact across
 * any number of gateway processes because the check and the increment are one script. Rejects at once
 * with CacheUnavailableError while the connection is not ready (wrap it in FallbackRateLimiter).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly days = new LocalDays();
  private readonly keys = new Map<string, CacheKey>();
  private readonly now: (() => number) | undefined;
  private readonly since = new Date().toISOString();
  private readonly connection: RedisConnection;
  private readonly ownsConnection: boolean;

  constructor(options: RedisRateLimiterOptions) {
    this.now = options.now;
    this.ownsConnection = !('connection' in options);
    this.connection =
      'connection' in options
        ? options.connection
        : createRedisConnection({
            url: options.redisUrl,
            logger: options.logger.child({ purpose: 'rate-limiter' }),
            ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
          });
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    const normalized = normalizeRateLimitRequest(request);
    if (normalized.minuteLimit === NOT_COUNTED && normalized.dayLimit === NOT_COUNTED) return ALLOWED_UNLIMITED;
    const key = this.keyOf(request.tenantId);
    const now = this.now?.();
    // The caller's clock only picks which local days to offer; the script decides with its own now.
    const dayStarts = normalized.dayLimit === NOT_COUNTED ? undefined : this.days.around(now ?? Date.now(), request.timezone);
    const args: Array<string | number> = [key, normalized.cost, normalized.minuteLimit, normalized.dayLimit, now ?? ''];
    if (dayStarts) args.push(...dayStarts);

    const [allowed, minuteCount, minuteResetMs, dayCount, dayResetMs, , dayWindowMs] = await this.evaluate(args);
    return decisionFrom(normalized, {
      allowed: allowed === 1,
      minuteCount,
      minuteResetMs,
      dayCount,
      dayResetMs,
      dayWindowMs: dayStarts ? dayWindowMs : 0,
    });
  }

  /** Resolves once the connection is up (a process may start before Redis: calls fail fast until then). */
  waitUntilReady(timeoutMs?: number): Promise<void> {
    return this.connection.waitUntilReady(timeoutMs);
  }

  health(): Promise<CacheHealth> {
    return this.connection.health();
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  status(): RateLimiterStatus {
    return { backend: 'redis', degraded: false, since: this.since };
  }

  private keyOf(tenantId: string): CacheKey {
    let key = this.keys.get(tenantId);
    if (key === undefined) {
      key = rateLimitKey(tenantId);
      if (this.keys.size >= MAX_REMEMBERED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(tenantId, key);
    }
    return key;
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed Redis) EVAL once, which also caches the script again. */
  private async evaluate(args: Array<string | number>): Promise<number[]> {
    const client = this.connection.client;
    if (client.status !== 'ready') throw new CacheUnavailableError(`Redis is unavailable (connection ${client.status})`);
    try {
      try {
        return (await client.evalsha(RATE_LIMIT_LUA_SHA1, 1, ...args)) as number[];
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(RATE_LIMIT_LUA, 1, ...args)) as number[];
      }
    } catch (error) {
      if (isUnavailable(error) || (error instanceof Error && UNAVAILABLE_REPLY.test(error.message))) {
        throw new CacheUnavailableError('Redis is unavailable for rate limiting', {}, { cause: error });
      }
      throw error;
    }
  }
}
