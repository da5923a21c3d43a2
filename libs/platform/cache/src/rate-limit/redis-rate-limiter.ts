import { type CacheHealth, CacheUnavailableError } from '../cache';
import { type CacheKey, tenantKey, tenantKeyPattern } from '../keys';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type HealthModel, isStoreFailure } from '../health/health-model';
import { type RedisConnection, createRedisConnection } from '../redis/connection';
import { LocalDays } from './local-days';
import { RATE_LIMIT_LUA, RATE_LIMIT_LUA_SHA1 } from './rate-limit.lua';
import {
  ALLOWED_UNLIMITED,
  type DecisionAndReads,
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
/** The script's reply before the values read: allowed, minute count and reset, day count, reset, end and length. */
const REPLY_COUNTS = 7;
const NO_KEYS: readonly CacheKey[] = Object.freeze([]);
const ALLOWED_UNLIMITED_ONLY: DecisionAndReads = Object.freeze({ decision: ALLOWED_UNLIMITED });

/**
 * ioredis has a Buffer-reply variant of every command (`evalshaBuffer`, …) but types only some of them.
 * (`callBuffer` is typed, but loses its command name under auto-pipelining.)
 */
type BufferScripting = Redis & {
  evalshaBuffer(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  evalBuffer(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
};

interface TenantKeys {
  key: CacheKey;
  prefix: string;
}

/**
 * Either a connection (pool) of its own, opened from `redisUrl` and closed by `close()`, or a
 * `connection` shared with other code (on a gateway, the response cache's: one health model for both;
 * the pool keeps large cached values off the connections the limiter's small replies use), which
 * `close()` leaves open.
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
  private readonly keys = new Map<string, TenantKeys>();
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
    return (await this.consumeThenRead(request, NO_KEYS)).decision;
  }

  /**
   * One script (one EVALSHA, one round trip): the limits checked and consumed, then, if allowed, the
   * values of `keys`, which must be the tenant's own keys (one hash tag, one Redis Cluster slot).
   */
  async consumeThenRead(request: RateLimitRequest, keys: readonly CacheKey[]): Promise<DecisionAndReads> {
    const normalized = normalizeRateLimitRequest(request);
    if (normalized.minuteLimit === NOT_COUNTED && normalized.dayLimit === NOT_COUNTED) {
      return keys.length === 0 ? ALLOWED_UNLIMITED_ONLY : { decision: ALLOWED_UNLIMITED, values: await this.read(keys) };
    }
    const { key, prefix } = this.keyOf(request.tenantId);
    for (const other of keys)
      if (!other.startsWith(prefix)) throw new RangeError('consumeThenRead reads only keys of the tenant it limits');
    const now = this.now?.();
    // The caller's clock only picks which local days to offer; the script decides with its own now.
    const countsDays = normalized.dayLimit !== NOT_COUNTED;
    const dayStarts = countsDays ? this.days.aroundJoined(now ?? Date.now(), request.timezone) : '';
    const args: Array<string | number> = [key];
    for (const other of keys) args.push(other);
    args.push(normalized.cost, normalized.minuteLimit, normalized.dayLimit, now ?? '', dayStarts);

    const reply = await this.evaluate(keys, args);
    const [allowed, minuteCount, minuteResetMs, dayCount, dayResetMs, , dayWindowMs] = reply as number[];
    const decision = decisionFrom(normalized, {
      allowed: allowed === 1,
      minuteCount: minuteCount as number,
      minuteResetMs: minuteResetMs as number,
      dayCount: dayCount as number,
      dayResetMs: dayResetMs as number,
      dayWindowMs: countsDays ? (dayWindowMs as number) : 0,
    });
    if (!decision.allowed || keys.length === 0) return { decision };
    const values: Array<Buffer | null> = [];
    for (let index = 0; index < keys.length; index += 1) {
      const value = (reply[REPLY_COUNTS + index] as Buffer | null | undefined) ?? null;
      this.connection.noteValueSize(keys[index] as CacheKey, value?.length ?? 0);
      values.push(value);
    }
    return { decision, values };
  }

  /** Resolves once the connection is up (a process may start before Redis: calls fail fast until then). */
  waitUntilReady(timeoutMs?: number): Promise<void> {
    return this.connection.waitUntilReady(timeoutMs);
  }

  health(): Promise<CacheHealth> {
    return this.connection.health();
  }

  /** The health model of this Redis, shared with whatever else uses the connection (the response cache). */
  get availability(): HealthModel {
    return this.connection.availability;
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  status(): RateLimiterStatus {
    return { backend: 'redis', degraded: false, since: this.since };
  }

  /** The tenant's counter key and the prefix every key of the tenant starts with (`tnt:{<tenant>}:`). */
  private keyOf(tenantId: string): TenantKeys {
    let keys = this.keys.get(tenantId);
    if (keys === undefined) {
      keys = { key: rateLimitKey(tenantId), prefix: tenantKeyPattern(tenantId).slice(0, -1) };
      if (this.keys.size >= MAX_REMEMBERED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(tenantId, keys);
    }
    return keys;
  }

  /** Unlimited requests count nothing: the keys are read on their own (still one round trip). */
  private async read(keys: readonly CacheKey[]): Promise<Array<Buffer | null>> {
    const client = this.connection.clientFor(keys);
    if (client.status !== 'ready') throw new CacheUnavailableError(`Redis is unavailable (connection ${client.status})`);
    try {
      const values = await Promise.all(keys.map((key) => client.getBuffer(key)));
      keys.forEach((key, index) => this.connection.noteValueSize(key, values[index]?.length ?? 0));
      return values;
    } catch (error) {
      throw this.unavailableOr(error);
    }
  }

  /**
   * EVALSHA; on NOSCRIPT (a restarted or flushed Redis) EVAL once, which also caches the script again.
   * The Buffer variants: the values read come back as bytes (counts stay integers). On the pool's
   * connection for `keys` (the large-value lane when one of them holds a large value).
   */
  private async evaluate(keys: readonly CacheKey[], args: Array<string | number>): Promise<Array<number | Buffer | null>> {
    const numberOfKeys = 1 + keys.length;
    const client = this.connection.clientFor(keys);
    if (client.status !== 'ready') throw new CacheUnavailableError(`Redis is unavailable (connection ${client.status})`);
    try {
      try {
        return (await (client as BufferScripting).evalshaBuffer(RATE_LIMIT_LUA_SHA1, numberOfKeys, ...args)) as Array<
          number | Buffer | null
        >;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await (client as BufferScripting).evalBuffer(RATE_LIMIT_LUA, numberOfKeys, ...args)) as Array<number | Buffer | null>;
      }
    } catch (error) {
      throw this.unavailableOr(error);
    }
  }

  private unavailableOr(error: unknown): unknown {
    if (isStoreFailure(error)) {
      this.connection.availability.failed(error);
      return new CacheUnavailableError('Redis is unavailable for rate limiting', {}, { cause: error });
    }
    return error;
  }
}
