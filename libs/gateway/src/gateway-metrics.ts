import { type BoundCounter, getMeter, MetricAttributes, MetricNames, PreBoundCounter } from '@tenantry/telemetry';
import type { CacheStatus } from './response-cache';

/**
 * The gateway's own counters, on top of the request counter and latency histogram every service has.
 * Labels are bounded sets only (no tenant ids): per-tenant figures travel as usage events instead.
 */
export class GatewayMetrics {
  private readonly meter = getMeter('@tenantry/gateway');
  // Counted on every cached GET: pre-bound, so a request adds to a number instead of hashing attributes.
  private readonly cacheRequests = PreBoundCounter.of(this.meter, MetricNames.gatewayCacheRequests, {
    description: 'Gateway response-cache outcomes.',
  });
  private readonly rateLimited = this.meter.createCounter(MetricNames.gatewayRateLimited, {
    description: 'Requests refused with 429 by the per-tenant rate limit, daily quota or concurrency bound.',
  });
  private readonly authRefusals = this.meter.createCounter(MetricNames.gatewayAuthRefusals, {
    description: 'Requests refused by authentication, tenant status, an API key scope or a plan feature gate.',
  });
  private readonly upstreamConnections = this.meter.createCounter(MetricNames.gatewayUpstreamConnections, {
    description: 'TCP connections opened to upstream services.',
  });
  private readonly cacheOutcomes = new Map<CacheStatus, BoundCounter>();

  cacheOutcome(status: CacheStatus): void {
    let outcome = this.cacheOutcomes.get(status);
    if (!outcome)
      this.cacheOutcomes.set(status, (outcome = this.cacheRequests.bind(status, () => ({ [MetricAttributes.cacheStatus]: status }))));
    outcome.add(1);
  }

  refusedByRateLimit(policy: 'minute' | 'day' | 'unavailable' | 'concurrency'): void {
    this.rateLimited.add(1, { [MetricAttributes.rateLimitPolicy]: policy });
  }

  refusedAccess(reason: 'missing' | 'invalid' | 'suspended' | 'cancelled' | 'feature' | 'scope'): void {
    this.authRefusals.add(1, { [MetricAttributes.refusalReason]: reason });
  }

  openedUpstreamConnection(service: string): void {
    this.upstreamConnections.add(1, { [MetricAttributes.upstreamService]: service });
  }
}
