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
      tenantId,
      reporter: 'bench-gateway-1',
      window: { start: start.toISOString(), end: end.toISOString() },
      latencyBucketsMs: [5, 25, 100],
      samples: [
        {
          service: 'tenants',
          route: '/api/v1/tenants/:id',
          method: 'GET',
          requestCount: 10 + (sequence % 7),
          errorCount: 1,
          clientErrorCount: 2,
          cacheHitCount: 6,
          rateLimitedCount: 0,
          latencyMs: { sum: 120, max: 80, buckets: [6 + (sequence % 7), 2, 2, 0] },
        },
      ],
      recordedAt: end.toISOString(),
    },
  });
}

/** A `tenant.updated` event: what a state change written through a repository emits. */
export function tenantUpdated(tenantId: string, name: string): TenantryEventOf<'tenant.updated'> {
  return createEvent('tenant.updated', {
    tenantId,
    source: SOURCE,
    data: { tenantId, changes: { name }, updatedAt: new Date().toISOString() },
  });
}
