import { CacheUnavailableError } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';

/**
 * Whether the cache backend is usable. After a failure the cache is "degraded": requests bypass it
 * without a round trip, except one probe per `probeIntervalMs` that tries it again; the first success
 * ends the degraded state. So a dead or hanging Redis costs at most one request per interval.
 */
export class BackendHealth {
  private isDegraded = false;
  private nextProbeAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly probeIntervalMs: number,
    private readonly now: () => number,
  ) {}

  get degraded(): boolean {
    return this.isDegraded;
  }

  /** Whether this request may use the cache (always when healthy; the one probe per interval when degraded). */
  mayTry(): boolean {
    if (!this.isDegraded) return true;
    const now = this.now();
    if (now < this.nextProbeAt) return false;
    this.nextProbeAt = now + this.probeIntervalMs;
    return true;
  }

  succeeded(): void {
    if (!this.isDegraded) return;
    this.isDegraded = false;
    this.logger.info('response cache: the cache backend is reachable again; caching resumed');
  }

  failed(error: unknown): void {
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (this.isDegraded) return;
    this.isDegraded = true;
    if (error instanceof CacheUnavailableError)
      this.logger.warn({ reason: error.message }, 'response cache: the cache backend is unavailable; bypassing it');
    else this.logger.error({ err: error }, 'response cache: a cache operation failed; bypassing the cache');
  }
}
