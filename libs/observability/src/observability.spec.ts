import { eventually } from '@tenantry/testing';
import { ADMIN, gatewayBatch, startObservabilityHarness, tenantKey, type ObservabilityHarness } from './test-support/observability-harness';

const TWO_MINUTES_AGO = new Date('2026-11-10T11:58:00Z');

describe('observability service (embedded)', () => {
  let harness: ObservabilityHarness;
  beforeEach(async () => {
    harness = await startObservabilityHarness();
  });
  afterEach(() => harness.close());

  async function ingested(tenantId: string, expectedRequests: number): Promise<void> {
    await eventually(
      async () => {
        const reply = await harness.call(tenantKey(tenantId), 'GET', '/api/v1/observability/metrics?window=5m');
        const gateway = reply.body.services?.find((service: { service: string }) => service.service === 'gateway');
        return gateway?.request_count === expectedRequests;
      },
      { timeoutMs: 10_000, description: `${expectedRequests} requests of ${tenantId} ingested` },
    );
  }

  it("when the gateway reports a tenant's traffic, then /sla/api-gateway shows the hand-computed SLI, budget and burn rates and the page alert condition", async () => {
    // 1,000 requests: 100 4xx (not valid), 20 5xx → 900 valid, 20 bad.
    await harness.platform.bus.publish([gatewayBatch('ten_a', TWO_MINUTES_AGO, [{ requests: 1000, errors: 20, client_errors: 100 }])]);
    await ingested('ten_a', 1000);

    const reply = await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/api-gateway');
    expect(reply.status).toBe(200);
    expect(reply.body.service).toBe('gateway');
    const availability = reply.body.slos.find((slo: { slo: string }) => slo.slo === 'gateway-availability');
    expect(availability).toMatchObject({
      objective: 0.999,
      sli: 0.977777778, // 880 / 900
      valid_events: 900,
      bad_events: 20,
      budget: { total: 0.9, consumed: 20, remaining: -19.1, remaining_fraction: -21.222222222 },
    });
    // (20 / 900) / 0.001 in every window that holds the minute
    expect(availability.burn_rates).toMatchObject({ '5m': 22.222222222, '1h': 22.222222222, '3d': 22.222222222 });
    expect(availability.alerts_firing).toEqual(['page', 'ticket']);
    const latency = reply.body.slos.find((slo: { slo: string }) => slo.slo === 'gateway-latency');
    expect(latency).toMatchObject({ objective: 0.99, bad_events: 0, sli: 1 });
  });

  it('when the same batch is delivered twice, then it is counted once', async () => {
    const batch = gatewayBatch('ten_b', TWO_MINUTES_AGO, [{ requests: 40, errors: 4 }]);
    await harness.platform.bus.publish([batch]);
    await harness.platform.bus.publish([batch, gatewayBatch('ten_b', TWO_MINUTES_AGO, [{ requests: 2 }])]);
    await ingested('ten_b', 42);
    const reply = await harness.call(ADMIN, 'GET', '/api/v1/observability/metrics?window=1h');
    const tenants = reply.body.services.find((service: { service: string }) => service.service === 'tenants');
    expect(tenants).toMatchObject({ request_count: 42, error_count: 4, error_rate: 0.095238095 });
    expect(tenants.p99_latency_ms).toEqual({ lower_bound_ms: 0, upper_bound_ms: 1 });
  });

  it("when a tenant key asks, then it sees only its own tenant's traffic, and another tenant's routes answer 404", async () => {
    await harness.platform.bus.publish([
      gatewayBatch('ten_c', TWO_MINUTES_AGO, [{ requests: 8, cache_hits: 6 }]),
      gatewayBatch('ten_d', TWO_MINUTES_AGO, [{ requests: 100, errors: 50 }]),
    ]);
    await ingested('ten_d', 100);
    await ingested('ten_c', 8);
    const own = await harness.call(tenantKey('ten_c'), 'GET', '/api/v1/observability/metrics/tenant/ten_c?window=1h');
    expect(own.status).toBe(200);
    expect(own.body.routes).toEqual([
      expect.objectContaining({
        service: 'tenants',
        route: '/api/v1/tenants/:tenantId',
        method: 'GET',
        request_count: 8,
        error_count: 0,
        cache_hit_count: 6,
        cache_hit_ratio: 0.75,
      }),
    ]);
    const other = await harness.call(tenantKey('ten_c'), 'GET', '/api/v1/observability/metrics/tenant/ten_d');
    expect(other.status).toBe(404);
    const sla = await harness.call(tenantKey('ten_c', 'pro'), 'GET', '/api/v1/observability/sla/gateway');
    expect(sla.body.tenant_id).toBe('ten_c');
    expect(sla.body.slos.map((slo: { slo: string }) => slo.slo)).toEqual([
      'tenant-availability-pro',
      'gateway-availability',
      'gateway-latency',
    ]);
    expect(sla.body.slos[0]).toMatchObject({ objective: 0.999, valid_events: 8, bad_events: 0, sli: 1 });
  });

  it('when a service records samples, then they merge into the same rollups; a tenant key may not record and bad input names its fields', async () => {
    const body = {
      batch_id: 'b-1',
      tenant_id: 'ten_e',
      window: { start: '2026-11-10T11:59:00Z', end: '2026-11-10T11:59:10Z' },
      latency_bucket_bounds_ms: [100, 1000],
      samples: [
        {
          service: 'billing',
          route: '/api/v1/billing/invoices',
          method: 'GET',
          request_count: 10,
          error_count: 1,
          client_error_count: 0,
          latency_ms: { sum: 2000, max: 900, buckets: [5, 5, 0] },
        },
      ],
    };
    const service = { role: 'service' as const, service: 'billing' };
    expect((await harness.call(service, 'POST', '/api/v1/observability/metrics/record', body)).status).toBe(200);
    expect((await harness.call(service, 'POST', '/api/v1/observability/metrics/record', body)).status).toBe(200);
    expect((await harness.call(tenantKey('ten_e'), 'POST', '/api/v1/observability/metrics/record', body)).status).toBe(403);
    const bad = await harness.call(ADMIN, 'POST', '/api/v1/observability/metrics/record', {
      ...body,
      samples: [{ ...body.samples[0], request_count: 11 }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('samples.0.latency_ms.buckets');

    const metrics = await harness.call(ADMIN, 'GET', '/api/v1/observability/metrics?window=5m');
    expect(metrics.body.services).toEqual([
      expect.objectContaining({
        service: 'billing',
        request_count: 10,
        error_count: 1,
        avg_latency_ms: 200,
        p95_latency_ms: { lower_bound_ms: 500, upper_bound_ms: 1000 },
      }),
    ]);
  });

  it('when no traffic was seen, then the SLI is null and the budget is whole; an unknown service answers 404', async () => {
    const reply = await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/billing');
    expect(reply.body.slos[0]).toMatchObject({ sli: null, budget: { total: 0, consumed: 0, remaining_fraction: 1 }, alerts_firing: [] });
    expect((await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/nope')).status).toBe(404);
    expect((await harness.call(null, 'GET', '/api/v1/observability/sla/billing')).status).toBe(401);
  });
});
