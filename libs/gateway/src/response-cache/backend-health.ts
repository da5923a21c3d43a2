import { CacheUnavailableError, type HealthModel } from '@tenantry/cache';
import type { Logger } from '@tenantry/telemetry';

/**
 * Whether the cache backend is usable. After a failure the cache is "degraded": requests bypass it
 * without a round trip, except one probe per `probeIntervalMs` that tries it again; the first success
 * ends the degraded state. So a dead or hanging Redis costs at most one request per interval.
 *
 * With a `shared` health model (Redis: the one the rate limiter decides from too), the store's
 * availability is that model's — it says when to bypass and it probes the store; this tracker keeps only
 * failures that are not the store's (an unexpected reply), by the rules above.
 */
export class BackendHealth {
  private isDegraded = false;
  private nextProbeAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly probeIntervalMs: number,
    private readonly now: () => number,
    private readonly shared?: HealthModel,
  ) {
    shared?.onChange(({ state, previous, reason }) => {
      if (previous === 'up') this.logger.warn({ reason, state }, 'response cache: the cache backend is unavailable; bypassing it');
      else if (state === 'up') this.logger.info('response cache: the cache backend is reachable again; caching resumed');
    });
  }

  get degraded(): boolean {
    return this.isDegraded || (this.shared !== undefined && this.shared.state !== 'up');
  }

  /** Whether this request may use the cache (always when healthy; the one probe per interval when degraded). */
  mayTry(): boolean {
    if (this.shared && !this.shared.usable()) return false;
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
    if (this.shared?.failed(error)) return; // the store's failure: the shared model has it (and logs it)
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (this.isDegraded) return;
    this.isDegraded = true;
    if (error instanceof CacheUnavailableError)
      this.logger.warn({ reason: error.message }, 'response cache: the cache backend is unavailable; bypassing it');
    else this.logger.error({ err: error }, 'response cache: a cache operation failed; bypassing the cache');
  }
}
