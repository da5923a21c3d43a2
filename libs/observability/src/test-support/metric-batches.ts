import type { MetricBatch } from '../ingest/metric-batch';

/** A gateway batch of one tenant: `requests` to one tenants route, `errors` of them 5xx, all within 100 ms. */
export const metricBatchOf = (
  id: string,
  tenantId: string,
  windowStart: Date,
  requests: number,
  errors: number,
  method = 'GET',
): MetricBatch => ({
  id,
  tenant_id: tenantId,
  reporter: 'gateway-1',
  via_gateway: true,
  window_start: windowStart,
  latency_bounds_ms: [100],
  samples: [
    {
      service: 'tenants',
      route: '/api/v1/tenants/:id',
      method,
      requests,
      errors,
      client_errors: 0,
      rate_limited: 0,
      cache_hits: 0,
      latency: { sum: requests, max: 1, buckets: [requests, 0] },
    },
  ],
});
