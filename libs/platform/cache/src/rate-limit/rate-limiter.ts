import type { HealthModel } from '../health/health-model';
import { type Limit, UNLIMITED } from '@tenantry/contracts';
import type { CacheHealth } from '../cache';
import type { CacheKey } from '../keys';

export type RateLimitPolicyName = 'minute' | 'day';

export interface RateLimitRequest {
  tenantId: string;
  /** From the tenant's plan; `'unlimited'` is neither counted nor checked. */
  limits: { perMinute: Limit; perDay: Limit };
  /** IANA time zone of the tenant: its daily quota resets at local midnight. */
  timezone: string;
  /** Quota units this request takes from both policies (default 1). */
  cost?: number;
}

/** One limited policy as it stands after the request (the IETF RateLimit-Policy / RateLimit data). */
export interface RateLimitPolicyState {
  readonly name: RateLimitPolicyName;
  readonly limit: number;
  /** 60 for the minute; the length of the tenant's current local day for the day (86 400, or 82 800 / 90 000 on DST days). */
  readonly windowSeconds: number;
  readonly remaining: number;
  /** Whole seconds (≥ 1, rounded up) until this window ends and its count starts again from 0. */
  readonly resetSeconds: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** When refused: whole seconds (≥ 1) until a retry can succeed, for `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** The limited policies (unlimited ones are omitted), minute first. Empty when nothing was counted. */
  readonly policies: readonly RateLimitPolicyState[];
  /**
   * Why it was refused (a 429): the policy whose window ends last among those exceeded, so
   * `retryAfterSeconds` is when every exceeded policy has room again. Absent on a refusal made because
   * the shared store is down and the limiter runs fail-closed: that is a 503, not a 429.
   */
  readonly refusedBy?: RateLimitPolicyName;
  /** Decided without the shared store (Redis down): per-process limits, fail-open or fail-closed. */
  readonly degraded?: boolean;
}

/**
 * Where decisions are made. `per-process` is THE word for the in-memory limiter, in /health, in logs
 * and in RATE_LIMIT_FALLBACK alike: each gateway process counts on its own.
 */
export const PER_PROCESS = 'per-process';
export type RateLimiterBackend = 'redis' | typeof PER_PROCESS | 'none';

/** What the gateway's /health reports about rate limiting. */
export interface RateLimiterStatus {
  /** Where decisions are made right now (`none`: the store is down and the limiter fails open or closed). */
  readonly backend: RateLimiterBackend;
  readonly degraded: boolean;
  /** ISO-8601 time since which this backend/degraded state holds. */
  readonly since: string;
  readonly fallbackMode?: RateLimitFallbackMode;
}

/** What a limiter does while its shared store is unreachable. */
export const RATE_LIMIT_FALLBACK_MODES = [PER_PROCESS, 'fail-open', 'fail-closed'] as const;
export type RateLimitFallbackMode = (typeof RATE_LIMIT_FALLBACK_MODES)[number];

/**
 * A decision, and the values of the keys `consumeThenRead` was asked to read: in the order of the keys,
 * null where missing; absent when they were not read (refused, or no shared store right now: the caller
 * reads them itself, or not at all).
 */
export interface DecisionAndReads {
  readonly decision: RateLimitDecision;
  readonly values?: ReadonlyArray<Buffer | null>;
}

/**
 * Per-tenant rate limiting: a requests-per-minute policy and a calendar-day quota in the tenant's time
 * zone, checked and consumed together. A request refused by either consumes neither.
 */
export interface RateLimiter {
  /** Counts the request against both policies if both have room, atomically; otherwise counts nothing. */
  consume(request: RateLimitRequest): Promise<RateLimitDecision>;
  /**
   * `consume`, then, only if allowed, reads `keys` (cache keys of the same tenant) in the same atomic
   * step and round trip: a cache hit costs one Redis round trip instead of two. Absent on limiters
   * without a shared store.
   */
  consumeThenRead?(request: RateLimitRequest, keys: readonly CacheKey[]): Promise<DecisionAndReads>;
  /** The backing store's health (Redis: `down` while unreachable, even when a fallback keeps deciding). */
  health(): Promise<CacheHealth>;
  /** What decides right now, for /health; synchronous, so it costs nothing to poll. */
  status(): RateLimiterStatus;
  /** The health model of the shared store (Redis), when the limiter has one: the fallback decides from it. */
  readonly availability?: HealthModel;
  /** Releases what the limiter owns (a connection it opened); a no-op otherwise. */
  close(): Promise<void>;
}

/** A request with its limits as numbers, `-1` standing for unlimited (as the Lua script takes them). */
export interface NormalizedRateLimitRequest {
  readonly minuteLimit: number;
  readonly dayLimit: number;
  readonly cost: number;
}

export const NOT_COUNTED = -1;

/** The decision for a tenant with no limits: constant, so the hot path allocates nothing for it. */
export const ALLOWED_UNLIMITED: RateLimitDecision = Object.freeze({ allowed: true, policies: Object.freeze([]) });

function limitValue(limit: Limit, what: string): number {
  if (limit === UNLIMITED) return NOT_COUNTED;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`${what} must be a non-negative integer or '${UNLIMITED}', got ${String(limit)}`);
  return limit;
}

/** Validates the numbers of a request (tenant id and time zone are checked where they are used). */
export function normalizeRateLimitRequest(request: RateLimitRequest): NormalizedRateLimitRequest {
  const cost = request.cost ?? 1;
  if (!Number.isSafeInteger(cost) || cost < 1) throw new RangeError(`cost must be a positive integer, got ${String(cost)}`);
  return {
    minuteLimit: limitValue(request.limits.perMinute, 'limits.perMinute'),
    dayLimit: limitValue(request.limits.perDay, 'limits.perDay'),
    cost,
  };
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** What an adapter found and did for one request: counts after it, ms until each window ends. */
export interface WindowOutcome {
  allowed: boolean;
  minuteCount: number;
  minuteResetMs: number;
  dayCount: number;
  dayResetMs: number;
  dayWindowMs: number;
}

/**
 * A tenant's day window: when it started, when it ends, and the earliest a window after it may end.
 * `nextEndNotBefore` is the end of the local day that follows this one, in the zone the window was
 * opened in: a tenant that changes time zone keeps at least that day (a new zone takes effect at its
 * first midnight from there on), so picking the zone whose midnight comes soonest at every window end
 * cannot shorten a day and hand out a fresh quota.
 */
export interface DayWindow {
  start: number;
  end: number;
  nextEndNotBefore: number;
}

/**
 * The day window that starts at `now`, after `previous` (which has ended; absent when the tenant has no
 * recent window): the tenant's calendar day, unless the previous window's zone still has a day to run,
 * in which case the window ends at the first local midnight (of the zone now in use) not before that
 * day's end and is counted from the previous window's end. Without a zone change both are the same
 * calendar day. `starts` are local day starts ascending (`LocalDays.around`); the Lua script applies
 * the same rule, and the contract suite holds both to it.
 */
export function nextDayWindow(now: number, starts: readonly number[], previous: DayWindow | undefined): DayWindow {
  const notBefore = previous?.nextEndNotBefore ?? 0;
  for (let index = 1; index < starts.length; index += 1) {
    const end = starts[index] as number;
    if (end <= now || end < notBefore) continue;
    const dayStart = starts[index - 1] as number;
    return { start: dayStart <= now || !previous ? dayStart : previous.end, end, nextEndNotBefore: starts[index + 1] ?? end + DAY_MS };
  }
  // Only when the caller's clock is far from `now` (the starts are around another instant).
  const end = Math.max(now + DAY_MS, notBefore);
  return { start: now, end, nextEndNotBefore: end + DAY_MS };
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The decision both adapters return for the same outcome, so they cannot drift apart. */
export function decisionFrom(request: NormalizedRateLimitRequest, outcome: WindowOutcome): RateLimitDecision {
  const { minuteLimit, dayLimit, cost } = request;
  const policies: RateLimitPolicyState[] = [];
  let refusedBy: RateLimitPolicyName | undefined;
  let retryAfterSeconds = 0;
  if (minuteLimit !== NOT_COUNTED) {
    const resetSeconds = seconds(outcome.minuteResetMs);
    policies.push({
      name: 'minute',
      limit: minuteLimit,
      windowSeconds: MINUTE_MS / 1000,
      remaining: Math.max(0, minuteLimit - outcome.minuteCount),
      resetSeconds,
    });
    if (!outcome.allowed && outcome.minuteCount + cost > minuteLimit) {
      refusedBy = 'minute';
      retryAfterSeconds = resetSeconds;
    }
  }
  if (dayLimit !== NOT_COUNTED) {
    const resetSeconds = seconds(outcome.dayResetMs);
    policies.push({
      name: 'day',
      limit: dayLimit,
      windowSeconds: Math.round(outcome.dayWindowMs / 1000),
      remaining: Math.max(0, dayLimit - outcome.dayCount),
      resetSeconds,
    });
    if (!outcome.allowed && outcome.dayCount + cost > dayLimit && resetSeconds >= retryAfterSeconds) {
      refusedBy = 'day';
      retryAfterSeconds = resetSeconds;
    }
  }
  if (outcome.allowed) return { allowed: true, policies };
  const refused = { allowed: false, retryAfterSeconds: Math.max(1, retryAfterSeconds), policies };
  return refusedBy ? { ...refused, refusedBy } : refused;
}
