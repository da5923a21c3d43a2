import type { Logger } from 'pino';
import { type CacheHealth, CacheUnavailableError } from '../cache';
import { type HealthChange, HealthModel } from '../health/health-model';
import type { CacheKey } from '../keys';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';
import {
  type DecisionAndReads,
  PER_PROCESS,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterStatus,
  type RateLimitFallbackMode,
  type RateLimitRequest,
} from './rate-limiter';

/** Fail-open decides nothing and so reports no policies (no RateLimit headers): nothing is enforced. */
const FAIL_OPEN: RateLimitDecision = Object.freeze({ allowed: true, degraded: true, policies: Object.freeze([]) });

export interface FallbackRateLimiterOptions {
  /** The shared limiter (Redis). Its CacheUnavailableError switches to the fallback; other errors propagate. */
  primary: RateLimiter;
  /** Used in `per-process` mode while the primary is down (default: a fresh InMemoryRateLimiter). */
  fallback?: RateLimiter;
  /** What to decide while the primary is down (default `per-process`). */
  mode?: RateLimitFallbackMode;
  logger: Logger;
  /**
   * While degraded, at most one health probe of the primary per interval (default 1000 ms), and fail-closed's
   * Retry-After. A primary with its own health model (`availability`, Redis) is probed by that model's interval.
   */
  probeIntervalMs?: number;
  now?: () => number;
}

/**
 * A RateLimiter that keeps deciding when its shared store is unreachable (MISSION §4, §8). It decides from
 * the store's health model — the primary's own (`primary.availability`, on a gateway the one the response
 * cache uses too, so both switch together), or, for a primary without one, a model of its own with the same
 * rules: a CacheUnavailableError makes it not up, and from then on requests do not touch the primary at
 * all (no per-request timeouts); a background health probe, at most one per interval and only when there
 * is traffic or a status read, switches back once the primary answers. Every decision made meanwhile is
 * marked `degraded`.
 *
 * - `per-process`: the in-memory limiter's decisions, the same limits counted per gateway process.
 * - `fail-open`: everything is allowed; no policies are reported, as none is enforced.
 * - `fail-closed`: everything is refused, without `refusedBy` (a 503 with Retry-After, not a 429).
 */
export class FallbackRateLimiter implements RateLimiter {
  private readonly primary: RateLimiter;
  private readonly fallback: RateLimiter;
  private readonly mode: RateLimitFallbackMode;
  private readonly log: Logger;
  private readonly failClosed: RateLimitDecision;
  private readonly store: HealthModel;
  private readonly unsubscribe: () => void;
  private degradedAt = 0;

  constructor(options: FallbackRateLimiterOptions) {
    this.primary = options.primary;
    this.fallback = options.fallback ?? new InMemoryRateLimiter({ ...(options.now && { now: options.now }) });
    this.mode = options.mode ?? 'per-process';
    this.log = options.logger.child({ purpose: 'rate-limiter' });
    const probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.store =
      this.primary.availability ??
      new HealthModel({
        probe: async () => (await this.primary.health()).status === 'up',
        probeIntervalMs,
        ...(options.now && { now: options.now }),
      });
    this.unsubscribe = this.store.onChange((change) => this.logChange(change));
    this.failClosed = Object.freeze({
      allowed: false,
      degraded: true,
      retryAfterSeconds: Math.max(1, Math.ceil(probeIntervalMs / 1000)),
      policies: Object.freeze([]),
    });
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    if (this.store.usable()) {
      try {
        return await this.primary.consume(request);
      } catch (error) {
        this.failedWith(error);
      }
    }
    return this.decideDegraded(request);
  }

  /**
   * The primary's `consumeThenRead` while it is up (one round trip for the decision and the reads); while
   * it is down, the fallback's decision and nothing read (the caller's own reads fail fast or are skipped).
   */
  async consumeThenRead(request: RateLimitRequest, keys: readonly CacheKey[]): Promise<DecisionAndReads> {
    const { primary } = this;
    if (!primary.consumeThenRead) return { decision: await this.consume(request) };
    if (this.store.usable()) {
      try {
        return await primary.consumeThenRead(request, keys);
      } catch (error) {
        this.failedWith(error);
      }
    }
    return { decision: await this.decideDegraded(request) };
  }

  /** The primary's health: `down` while degraded, although decisions are still being made. */
  health(): Promise<CacheHealth> {
    return this.primary.health();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  status(): RateLimiterStatus {
    const since = new Date(this.store.since).toISOString();
    if (this.store.usable()) return { ...this.primary.status(), since, fallbackMode: this.mode };
    return {
      backend: this.mode === PER_PROCESS ? this.fallback.status().backend : 'none',
      degraded: true,
      since,
      fallbackMode: this.mode,
    };
  }

  /** Only the store being unavailable switches to the fallback; any other error is the caller's. */
  private failedWith(error: unknown): void {
    if (!(error instanceof CacheUnavailableError)) throw error;
    this.store.failed(error);
  }

  private async decideDegraded(request: RateLimitRequest): Promise<RateLimitDecision> {
    if (this.mode === 'fail-closed') return this.failClosed;
    if (this.mode === 'fail-open') return FAIL_OPEN;
    return { ...(await this.fallback.consume(request)), degraded: true };
  }

  private logChange({ state, previous, reason }: HealthChange): void {
    if (previous === 'up') {
      this.degradedAt = this.store.since;
      this.log.warn(
        { err: { message: reason }, state, fallbackMode: this.mode, rateLimiter: this.mode === PER_PROCESS ? PER_PROCESS : 'none' },
        'rate limiter: shared store unavailable; deciding {fallbackMode} until it is back',
      );
    } else if (state === 'up') {
      this.log.info({ degradedForMs: this.store.since - this.degradedAt }, 'rate limiter: shared store is back; limits are shared again');
    }
  }
}
