import { createEvent, type TenantryEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { eventually } from '@tenantry/testing';
import { ADMIN, gatewayBatch, startObservabilityHarness, type ObservabilityHarness } from '../test-support/observability-harness';

const HOUR = 3_600_000;

describe('burn-rate alerts (embedded, test clock)', () => {
  let harness: ObservabilityHarness;
  beforeEach(async () => {
    harness = await startObservabilityHarness();
  });
  afterEach(() => harness.close());

  const eventsOf = (alertId: string): string[] =>
    harness.alertEvents.filter((event) => (event.data as { alert_id: string }).alert_id === alertId).map((event) => event.type);

  it('when a tenant on pro burns its budget, then the page and ticket alerts fire once each, and after the fast windows clear only the page resolves', async () => {
    await harness.platform.bus.publish([
      createEvent('tenant.created', {
        tenantId: 'ten_p',
        source: '/tenantry/tenants',
        data: { ...EXAMPLE_EVENT_DATA['tenant.created'], tenant_id: 'ten_p', subscription_tier: 'pro' },
      }),
    ]);
    // 900 valid, 20 bad at 11:58: burn rate (20/900)/0.001 = 22.2 in every window (page needs 14.4 and 6, ticket 1).
    await harness.platform.bus.publish([
      gatewayBatch('ten_p', new Date('2026-11-10T11:58:00Z'), [{ requests: 1000, errors: 20, client_errors: 100 }]),
    ]);
    await eventually(
      async () =>
        (await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/gateway?tenant_id=ten_p')).body.slos?.[0]?.slo ===
          'tenant-availability-pro' && (await harness.evaluate()).fired.length > 0,
      {
        timeoutMs: 10_000,
        description: 'the tenant profile and the traffic to be consumed, and a first evaluation to fire',
      },
    );
    const second = await harness.evaluate();
    expect(second).toMatchObject({ fired: [], resolved: [] });

    const page = 'tenant-availability-pro:ten_p:page';
    const ticket = 'tenant-availability-pro:ten_p:ticket';
    await eventually(() => eventsOf(page).length === 1 && eventsOf(ticket).length === 1, {
      timeoutMs: 5_000,
      description: 'the alert.fired events published',
    });
    const fired = harness.alertEvents.find((event) => (event.data as { alert_id: string }).alert_id === page) as TenantryEvent;
    expect(fired.subject).toBe('ten_p');
    expect(fired.data).toMatchObject({
      slo: 'tenant-availability-pro',
      service: 'gateway',
      tenant_id: 'ten_p',
      severity: 'page',
      objective: 0.999,
      budget_remaining: -21.222222222,
    });
    expect((fired.data as { windows: unknown[] }).windows).toEqual([
      { long_window: '1h', short_window: '5m', factor: 14.4, long_burn_rate: 22.222222222, short_burn_rate: 22.222222222 },
      { long_window: '6h', short_window: '30m', factor: 6, long_burn_rate: 22.222222222, short_burn_rate: 22.222222222 },
    ]);
    // The platform's own SLO of the gateway burns too (the same requests), as a service alert.
    expect(eventsOf('gateway-availability:_platform:page')).toEqual(['alert.fired']);

    harness.clock.advance(2 * HOUR);
    const later = await harness.evaluate();
    expect(later.resolved).toEqual(expect.arrayContaining([page, 'gateway-availability:_platform:page']));
    expect(later.resolved).not.toContain(ticket);
    await harness.evaluate();
    await eventually(() => eventsOf(page).length === 2, { timeoutMs: 5_000, description: 'the alert.resolved event published' });
    expect(eventsOf(page)).toEqual(['alert.fired', 'alert.resolved']);
    expect(eventsOf(ticket)).toEqual(['alert.fired']);
  });

  it('when a basic tenant (no SLA) fails requests, then no tenant alert fires for it', async () => {
    await harness.platform.bus.publish([
      createEvent('tenant.created', {
        tenantId: 'ten_b',
        source: '/tenantry/tenants',
        data: { ...EXAMPLE_EVENT_DATA['tenant.created'], tenant_id: 'ten_b', subscription_tier: 'basic' },
      }),
    ]);
    await harness.platform.bus.publish([gatewayBatch('ten_b', new Date('2026-11-10T11:58:00Z'), [{ requests: 100, errors: 50 }])]);
    await eventually(async () => (await harness.evaluate()).fired.includes('gateway-availability:_platform:page'), {
      timeoutMs: 10_000,
      description: 'the traffic consumed',
    });
    const result = await harness.evaluate();
    expect(result.statuses.some((status) => status.tenant_id === 'ten_b')).toBe(false);
  });
});
