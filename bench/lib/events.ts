import { createEvent, type TenantryEventOf } from '@tenantry/contracts';

const SOURCE = '/tenantry/bench';

/** `count` tenant ids of this run: events are keyed by tenant, so they spread over the partitions. */
export function benchTenants(runId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${runId}-t${i}`);
}

/**
 * A `metric.recorded` event (the high-volume event of the platform: one usage batch per tenant per
 * window from the gateway), about 0.9 kB as JSON, one sample.
 */
export function metricRecorded(tenantId: string, sequence: number): TenantryEventOf<'metric.recorded'> {
  const end = new Date();
  const start = new Date(end.getTime() - 10_000);
  return createEvent('metric.recorded', {
    tenantId,
    source: SOURCE,
    data: {
      tenant_id: tenantId,
      reporter: 'bench-gateway-1',
      window: { start: start.toISOString(), end: end.toISOString() },
      latency_buckets_ms: [5, 25, 100],
      samples: [
        {
          service: 'tenants',
          route: '/api/v1/tenants/:id',
          method: 'GET',
          request_count: 10 + (sequence % 7),
          error_count: 1,
          client_error_count: 2,
          cache_hit_count: 6,
          rate_limited_count: 0,
          latency_ms: { sum: 120, max: 80, buckets: [6 + (sequence % 7), 2, 2, 0] },
        },
      ],
      recorded_at: end.toISOString(),
    },
  });
}

/** A `tenant.updated` event: what a state change written through a repository emits. */
export function tenantUpdated(tenantId: string, name: string): TenantryEventOf<'tenant.updated'> {
  return createEvent('tenant.updated', {
    tenantId: tenantId,
    source: SOURCE,
    data: { tenant_id: tenantId, changes: { name }, updated_at: new Date().toISOString() },
  });
}
