import type { EventDataInput, PlanId } from '@tenantry/contracts';

/** A `metric.recorded` batch of `requests` calls to one route at noon UTC of `day`. */
export function usageBatch(
  tenantId: string,
  day: string,
  requests: number,
  extra: { rateLimited?: number; errors?: number; route?: string } = {},
): EventDataInput<'metric.recorded'> {
  const errors = extra.errors ?? 0;
  return {
    tenant_id: tenantId,
    timezone: 'UTC',
    reporter: 'gateway-test',
    window: { start: `${day}T12:00:00.000Z`, end: `${day}T12:00:05.000Z` },
    latency_buckets_ms: [50, 100, 500],
    samples: [
      {
        service: 'tenants',
        route: extra.route ?? '/api/v1/tenants/:tenantId',
        method: 'GET',
        request_count: requests,
        error_count: errors,
        client_error_count: extra.rateLimited ?? 0,
        cache_hit_count: 0,
        rate_limited_count: extra.rateLimited ?? 0,
        latency_ms: { sum: requests * 20, max: requests > 0 ? 40 : 0, buckets: [requests, 0, 0, 0] },
      },
    ],
    recorded_at: `${day}T12:00:05.000Z`,
  };
}

export function subscriptionCreated(
  tenantId: string,
  planId: PlanId,
  revision = 1,
  interval: 'monthly' | 'annual' = 'monthly',
): EventDataInput<'subscription.created'> {
  return {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    plan_id: planId,
    interval,
    status: 'active',
    effective_at: '2026-01-01T00:00:00.000Z',
    period: { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
  };
}
