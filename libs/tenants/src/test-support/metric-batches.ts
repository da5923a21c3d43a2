import { createEvent, type TenantryEventOf } from '@tenantry/contracts';

/** A sample of `requests` calls on one route, `rateLimited` of them refused with 429. */
export function sample(requests: number, rateLimited = 0) {
  return {
    service: 'tenants',
    route: '/api/v1/tenants/:tenantId',
    method: 'GET',
    requestCount: requests,
    errorCount: 0,
    clientErrorCount: rateLimited,
    cacheHitCount: 0,
    rateLimitedCount: rateLimited,
    latencyMs: { sum: requests, max: requests > 0 ? 1 : 0, buckets: [requests, 0] },
  };
}

/** A gateway `metric.recorded` batch for a tenant, its window starting at `start`. */
export function metricBatch(tenantId: string, start: Date, samples = [sample(10)], id?: string): TenantryEventOf<'metric.recorded'> {
  return createEvent('metric.recorded', {
    tenantId,
    source: '/tenantry/gateway',
    ...(id ? { id } : {}),
    data: {
      tenantId,
      reporter: 'gateway-test',
      window: { start: start.toISOString(), end: new Date(start.getTime() + 10_000).toISOString() },
      latencyBucketsMs: [5],
      samples,
      recordedAt: new Date(start.getTime() + 10_000).toISOString(),
    },
  });
}
