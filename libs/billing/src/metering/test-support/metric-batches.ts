import { createEvent, type TenantryEventOf } from '@tenantry/contracts';

export interface SampleCounts {
  requests: number;
  rateLimited?: number;
  cacheHits?: number;
  /** 5xx */
  errors?: number;
  /** 4xx other than the 429s (which are added to the sample's client_error_count, as the gateway does). */
  clientErrors?: number;
}

/** One route's traffic in a batch, as the gateway aggregates it. */
export function sample({ requests, rateLimited = 0, cacheHits = 0, errors = 0, clientErrors = 0 }: SampleCounts) {
  return {
    service: 'tenants',
    route: '/api/v1/tenants/:tenant_id',
    method: 'GET',
    request_count: requests,
    error_count: errors,
    client_error_count: clientErrors + rateLimited,
    cache_hit_count: cacheHits,
    rate_limited_count: rateLimited,
    latency_ms: { sum: requests, max: requests > 0 ? 1 : 0, buckets: [requests, 0] },
  };
}

/**
 * A gateway `metric.recorded` batch of a tenant whose 10-second window starts at `start`; without
 * `timezone` (as from a reporter that does not stamp it), metering looks the tenant's time zone up.
 */
export function usageBatch(
  tenantId: string,
  start: Date,
  samples = [sample({ requests: 10 })],
  options: { id?: string; timezone?: string } = {},
): TenantryEventOf<'metric.recorded'> {
  return createEvent('metric.recorded', {
    tenantId,
    source: '/tenantry/gateway',
    ...(options.id ? { id: options.id } : {}),
    data: {
      tenant_id: tenantId,
      ...(options.timezone ? { timezone: options.timezone } : {}),
      reporter: 'gateway-test',
      window: { start: start.toISOString(), end: new Date(start.getTime() + 10_000).toISOString() },
      latency_buckets_ms: [5],
      samples,
      recorded_at: new Date(start.getTime() + 10_000).toISOString(),
    },
  });
}

/** TenantTimezones over a map: the read model as the consumer sees it; `set` a tenant to make it known. */
export class FakeTenantTimezones {
  private readonly zones = new Map<string, string>();

  constructor(entries: Record<string, string> = {}) {
    for (const [tenantId, timezone] of Object.entries(entries)) this.zones.set(tenantId, timezone);
  }

  set(tenantId: string, timezone: string): void {
    this.zones.set(tenantId, timezone);
  }

  timezoneOf(tenantId: string): Promise<string | null> {
    return Promise.resolve(this.zones.get(tenantId) ?? null);
  }
}
