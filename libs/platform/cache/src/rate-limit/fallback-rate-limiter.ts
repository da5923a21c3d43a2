import type { Logger } from 'pino';
import { type CacheHealth, CacheUnavailableError } from '../cache';
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
  /** While degraded, at most one health probe of the primary per interval (default 1000 ms). */
  probeIntervalMs?: number;
  now?: () => number;
}

/**
 * A RateLimiter that keeps deciding when its shared store is unreachable (MISSION §4, §8): the first
 * CacheUnavailableError switches it to the fallback mode, and from then on requests do not touch the
 * primary at all (no per-request timeouts); a background health probe, at most one per interval and
 * only when there is traffic or a status read, switches back once the primary answers. Every decision
 * made meanwhile is marked `degraded`.
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
  private readonly probeIntervalMs: number;
  private readonly now: () => number;
  private readonly failClosed: RateLimitDecision;
  private degradedSince: number | null = null;
  private healthySince: number;
  private nextProbeAt = 0;
  private probing = false;

  constructor(options: FallbackRateLimiterOptions) {
    this.primary = options.primary;
    this.fallback = options.fallback ?? new InMemoryRateLimiter({ ...(options.now && { now: options.now }) });
    this.mode = options.mode ?? 'per-process';
    this.log = options.logger.child({ purpose: 'rate-limiter' });
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.healthySince = this.now();
    this.failClosed = Object.freeze({
      allowed: false,
      degraded: true,
      retryAfterSeconds: Math.max(1, Math.ceil(this.probeIntervalMs / 1000)),
      policies: Object.freeze([]),
    });
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    if (this.degradedSince === null) {
      try {
        return await this.primary.consume(request);
      } catch (error) {
        if (!(error instanceof CacheUnavailableError)) throw error;
        this.enterDegraded(error);
      }
    } else {
      this.probeSoon();
    }
    return this.decideDegraded(request);
  }

  /**
   * The primary's `consumeThenRead` while it is up (one round trip for the decision and the reads); while
   * it is down, the fallback's decision and nothing read (the caller's own reads fail fast or are skipped).
   */
  async consumeThenRead(request: RateLimitRequest, keys: readonly CacheKey[]): Promise<DecisionAndReads> {
    const { primary } = this;
    if (this.degradedSince === null && primary.consumeThenRead) {
      try {
        return await primary.consumeThenRead(request, keys);
      } catch (error) {
        if (!(error instanceof CacheUnavailableError)) throw error;
        this.enterDegraded(error);
      }
      return { decision: await this.decideDegraded(request) };
    }
    return { decision: await this.consume(request) };
  }

  /** The primary's health: `down` while degraded, although decisions are still being made. */
  health(): Promise<CacheHealth> {
    return this.primary.health();
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  status(): RateLimiterStatus {
    if (this.degradedSince === null)
      return { ...this.primary.status(), since: new Date(this.healthySince).toISOString(), fallbackMode: this.mode };
    this.probeSoon();
    return {
      backend: this.mode === PER_PROCESS ? this.fallback.status().backend : 'none',
      degraded: true,
      since: new Date(this.degradedSince).toISOString(),
      fallbackMode: this.mode,
    };
  }

  private async decideDegraded(request: RateLimitRequest): Promise<RateLimitDecision> {
    if (this.mode === 'fail-closed') return this.failClosed;
    if (this.mode === 'fail-open') return FAIL_OPEN;
    return { ...(await this.fallback.consume(request)), degraded: true };
  }

  private enterDegraded(error: Error): void {
    if (this.degradedSince !== null) return;
    this.degradedSince = this.now();
    this.nextProbeAt = this.degradedSince + this.probeIntervalMs;
    this.log.warn(
      { err: { message: error.message }, fallbackMode: this.mode, rateLimiter: this.mode === PER_PROCESS ? PER_PROCESS : 'none' },
      'rate limiter: shared store unavailable; deciding {fallbackMode} until it is back',
    );
  }

  private probeSoon(): void {
    if (this.probing || this.now() < this.nextProbeAt) return;
    this.probing = true;
    void this.primary
      .health()
      .then(
        (health) => health.status === 'up',
        () => false,
      )
      .then((up) => {
        this.probing = false;
        this.nextProbeAt = this.now() + this.probeIntervalMs;
        if (!up || this.degradedSince === null) return;
        this.log.info({ degradedForMs: this.now() - this.degradedSince }, 'rate limiter: shared store is back; limits are shared again');
        this.degradedSince = null;
        this.healthySince = this.now();
      });
  }
}
