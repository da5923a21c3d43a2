import type { CacheHealth } from '../cache';
import { LocalDays } from './local-days';
import {
  ALLOWED_UNLIMITED,
  MINUTE_MS,
  NOT_COUNTED,
  PER_PROCESS,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterStatus,
  type RateLimitRequest,
  type DayWindow,
  decisionFrom,
  nextDayWindow,
  normalizeRateLimitRequest,
} from './rate-limiter';

export interface InMemoryRateLimiterOptions {
  now?: () => number;
  /**
   * Tenants tracked at once; beyond it the least recently swept tenant is forgotten (its counts start
   * again, the permissive side), as Redis would evict under maxmemory. Default 100 000.
   */
  maxTenants?: number;
}

/** A tenant's windows: the same fields as the Redis hash (counts, window bounds, ms). */
interface Windows {
  minuteCount: number;
  minuteEnd: number;
  dayCount: number;
  /** The day window; `end` 0 before the first. */
  day: DayWindow;
}

const NO_DAY: DayWindow = Object.freeze({ start: 0, end: 0, nextEndNotBefore: 0 });

/** Tenants looked at per call by the expiry sweep: constant work per call, every entry visited in turn. */
const SWEEP_PER_CALL = 2;

/**
 * The in-memory twin of RedisRateLimiter: the same fixed windows and decisions, per process. It is the
 * embedded-mode limiter and the per-process fallback while Redis is down. O(1) per call: a Map lookup,
 * plus a clock sweep that looks at two tracked tenants per call and forgets those whose windows have all
 * ended, so memory follows the active tenants, not every tenant ever seen.
 */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly tenants = new Map<string, Windows>();
  private readonly days = new LocalDays();
  private readonly now: () => number;
  private readonly maxTenants: number;
  private readonly since = new Date().toISOString();

  constructor(options: InMemoryRateLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxTenants = options.maxTenants ?? 100_000;
  }

  /** How many tenants have state right now (for tests and metrics). */
  get trackedTenants(): number {
    return this.tenants.size;
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    const normalized = normalizeRateLimitRequest(request);
    const { minuteLimit, dayLimit, cost } = normalized;
    if (minuteLimit === NOT_COUNTED && dayLimit === NOT_COUNTED) return ALLOWED_UNLIMITED;
    if (typeof request.tenantId !== 'string' || request.tenantId.length === 0) throw new TypeError('tenantId must be a non-empty string');
    const now = this.now();
    const dayStarts = dayLimit === NOT_COUNTED ? undefined : this.days.around(now, request.timezone);
    this.sweep(now);

    const windows = this.tenants.get(request.tenantId) ?? { minuteCount: 0, minuteEnd: 0, dayCount: 0, day: NO_DAY };
    let { minuteCount, minuteEnd, dayCount, day } = windows;
    if (minuteLimit !== NOT_COUNTED && now >= minuteEnd) {
      minuteCount = 0;
      minuteEnd = (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
    }
    if (dayStarts && now >= day.end) {
      dayCount = 0;
      day = nextDayWindow(now, dayStarts, day.end === 0 ? undefined : day);
    }
    const allowed =
      (minuteLimit === NOT_COUNTED || minuteCount + cost <= minuteLimit) && (dayLimit === NOT_COUNTED || dayCount + cost <= dayLimit);
    if (allowed) {
      if (minuteLimit !== NOT_COUNTED) {
        minuteCount += cost;
        windows.minuteCount = minuteCount;
        windows.minuteEnd = minuteEnd;
      }
      if (dayLimit !== NOT_COUNTED) {
        dayCount += cost;
        windows.dayCount = dayCount;
        windows.day = day;
      }
      this.track(request.tenantId, windows);
    }
    return decisionFrom(normalized, {
      allowed,
      minuteCount,
      minuteResetMs: minuteEnd - now,
      dayCount,
      dayResetMs: day.end - now,
      dayWindowMs: day.end - day.start,
    });
  }

  async health(): Promise<CacheHealth> {
    return { status: 'up', latencyMs: 0 };
  }

  async close(): Promise<void> {
    this.tenants.clear();
  }

  status(): RateLimiterStatus {
    return { backend: PER_PROCESS, degraded: false, since: this.since };
  }

  private track(tenantId: string, windows: Windows): void {
    if (this.tenants.get(tenantId) === windows) return;
    if (this.tenants.size >= this.maxTenants) this.tenants.delete(this.tenants.keys().next().value as string);
    this.tenants.set(tenantId, windows);
  }

  /**
   * Forgets tenants whose every window has ended and whose day no longer bounds the next one (see
   * `DayWindow.nextEndNotBefore`); the others move to the back of the line.
   */
  private sweep(now: number): void {
    for (let visited = 0; visited < SWEEP_PER_CALL && this.tenants.size > 0; visited += 1) {
      const [tenantId, windows] = this.tenants.entries().next().value as [string, Windows];
      this.tenants.delete(tenantId);
      if (now < windows.minuteEnd || now < windows.day.nextEndNotBefore) this.tenants.set(tenantId, windows);
    }
  }
}
