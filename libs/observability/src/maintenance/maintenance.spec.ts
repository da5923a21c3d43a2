import { createEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { eventually } from '@tenantry/testing';
import {
  ADMIN,
  gatewayBatch,
  startObservabilityHarness,
  tenantKey,
  TestClock,
  type ObservabilityHarness,
  type Traffic,
} from '../test-support/observability-harness';

const API = '/api/v1/observability';
const WINDOWS = `${API}/maintenance-windows`;

interface Burst {
  tenant: string;
  at: string;
  traffic: Traffic;
}

async function publish(harness: ObservabilityHarness, bursts: Burst[]): Promise<void> {
  await harness.platform.bus.publish(bursts.map((burst) => gatewayBatch(burst.tenant, new Date(burst.at), [burst.traffic])));
}

async function createWindow(harness: ObservabilityHarness, body: Record<string, unknown>): Promise<string> {
  const created = await harness.call(ADMIN, 'POST', WINDOWS, { reason: 'maintenance', ...body });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

interface SloView {
  slo: string;
  valid_events: number;
  bad_events: number;
  excluded_minutes: number;
  burn_rates: Record<string, number>;
  calendar_month: { excluded_minutes: number };
}

async function slo(harness: ObservabilityHarness, path: string, id: string): Promise<SloView | undefined> {
  const answer = await harness.call(ADMIN, 'GET', `${API}${path}`);
  return (answer.body.slos as SloView[] | undefined)?.find((status) => status.slo === id);
}

describe('maintenance windows leave their minutes out of SLIs (embedded, test clock at 2026-11-10T12:00Z)', () => {
  let harness: ObservabilityHarness;
  beforeEach(async () => {
    harness = await startObservabilityHarness();
  });
  afterEach(() => harness.close());

  it.each([
    {
      case: 'a one-off platform window over a burst of 5xx removes the burst from the service SLI',
      bursts: [
        { tenant: 'ten_a', at: '2026-11-10T11:00:00Z', traffic: { requests: 1000 } },
        { tenant: 'ten_a', at: '2026-11-10T11:30:00Z', traffic: { requests: 1000, errors: 50 } },
      ],
      windows: [{ scope: 'platform', starts_at: '2026-11-10T11:25:00Z', ends_at: '2026-11-10T11:35:00Z' }],
      expected: [
        // 11:00 and 11:30 are both counted without the window: 2,000 valid, 50 bad.
        { path: '/sla/tenants', slo: 'tenants-availability', before: [2000, 50], after: [1000, 0], excluded: 10 },
        { path: '/sla/gateway', slo: 'gateway-availability', before: [2000, 50], after: [1000, 0], excluded: 10 },
      ],
    },
    {
      case: "a tenant window removes that tenant's burst, not another tenant's nor the service's",
      bursts: [
        { tenant: 'ten_a', at: '2026-11-10T11:30:00Z', traffic: { requests: 1000, errors: 50 } },
        { tenant: 'ten_b', at: '2026-11-10T11:30:00Z', traffic: { requests: 1000, errors: 30 } },
      ],
      windows: [{ scope: 'tenant', tenant_id: 'ten_a', starts_at: '2026-11-10T11:00:00Z', ends_at: '2026-11-10T12:00:00Z' }],
      expected: [
        { path: '/sla/gateway?tenant_id=ten_a', slo: 'gateway-availability', before: [1000, 50], after: [0, 0], excluded: 60 },
        { path: '/sla/gateway?tenant_id=ten_b', slo: 'gateway-availability', before: [1000, 30], after: [1000, 30], excluded: 0 },
        { path: '/sla/gateway', slo: 'gateway-availability', before: [2000, 80], after: [2000, 80], excluded: 0 },
      ],
    },
    {
      case: "a service window removes the service's minutes and its tenants' share of it, not the gateway's",
      bursts: [{ tenant: 'ten_a', at: '2026-11-10T11:30:00Z', traffic: { requests: 1000, errors: 50 } }],
      windows: [{ scope: 'service', service: 'tenants', starts_at: '2026-11-10T11:30:00Z', ends_at: '2026-11-10T11:31:00Z' }],
      expected: [
        { path: '/sla/tenants', slo: 'tenants-availability', before: [1000, 50], after: [0, 0], excluded: 1 },
        { path: '/sla/tenants?tenant_id=ten_a', slo: 'tenants-availability', before: [1000, 50], after: [0, 0], excluded: 1 },
        { path: '/sla/gateway', slo: 'gateway-availability', before: [1000, 50], after: [1000, 50], excluded: 0 },
      ],
    },
  ])('$case', async ({ bursts, windows, expected }) => {
    await publish(harness, bursts);
    const last = expected[expected.length - 1];
    await eventually(
      async () => {
        for (const row of expected) {
          const status = await slo(harness, row.path, row.slo);
          if (status?.valid_events !== row.before[0]) return false;
        }
        return last !== undefined;
      },
      { timeoutMs: 10_000, description: 'the traffic consumed' },
    );
    for (const row of expected) {
      expect(await slo(harness, row.path, row.slo)).toMatchObject({
        valid_events: row.before[0],
        bad_events: row.before[1],
        excluded_minutes: 0,
      });
    }
    for (const window of windows) await createWindow(harness, window);
    for (const row of expected) {
      expect([row.path, await slo(harness, row.path, row.slo)]).toEqual([
        row.path,
        expect.objectContaining({
          valid_events: row.after[0],
          bad_events: row.after[1],
          excluded_minutes: row.excluded,
          calendar_month: expect.objectContaining({ excluded_minutes: row.excluded }),
        }),
      ]);
    }
  });

  it('when a burst that pages is inside a window, then no alert fires; without the window it does', async () => {
    // 1,000 valid, 20 bad at 11:58: burn rate 20 in every window (a page needs 14.4).
    await publish(harness, [{ tenant: 'ten_x', at: '2026-11-10T11:58:00Z', traffic: { requests: 1000, errors: 20 } }]);
    await eventually(async () => (await slo(harness, '/sla/gateway', 'gateway-availability'))?.bad_events === 20, {
      timeoutMs: 10_000,
      description: 'the traffic consumed',
    });
    const id = await createWindow(harness, { scope: 'platform', starts_at: '2026-11-10T11:50:00Z', ends_at: '2026-11-10T12:10:00Z' });
    const quiet = await harness.evaluate();
    expect(quiet.fired).toEqual([]);
    const gateway = quiet.statuses.find((status) => status.slo === 'gateway-availability');
    expect(gateway).toMatchObject({ valid_events: 0, excluded_minutes: 10, burn_rates: { '5m': 0, '1h': 0 } });

    expect((await harness.call(ADMIN, 'DELETE', `${WINDOWS}/${id}`)).status).toBe(204);
    const loud = await harness.evaluate();
    expect(loud.fired).toEqual(expect.arrayContaining(['gateway-availability:_platform:page', 'tenants-availability:_platform:page']));
  });
});

describe('monthly SLA report with maintenance (embedded, test clock at 2026-11-01T00:30Z: October is over in Ljubljana)', () => {
  let harness: ObservabilityHarness;
  beforeEach(async () => {
    harness = await startObservabilityHarness({ clock: new TestClock(new Date('2026-11-01T00:30:00Z')) });
    const data = {
      ...EXAMPLE_EVENT_DATA['tenant.created'],
      tenant_id: 'ten_r',
      subscription_tier: 'pro' as const,
      timezone: 'Europe/Ljubljana',
    };
    await harness.platform.bus.publish([createEvent('tenant.created', { tenantId: 'ten_r', source: '/tenantry/tenants', data })]);
  });
  afterEach(() => harness.close());

  const report = async (): Promise<Record<string, unknown> | undefined> =>
    (await harness.call(tenantKey('ten_r'), 'GET', `${API}/sla/report?period=2026-10`)).body.items?.[0];

  it.each([
    {
      case: 'its only bad minutes were in a one-off window: no credit, 60 minutes excluded',
      bursts: [
        { tenant: 'ten_r', at: '2026-10-15T10:00:00Z', traffic: { requests: 1000, errors: 5 } },
        { tenant: 'ten_r', at: '2026-10-15T10:30:00Z', traffic: { requests: 1000, errors: 5 } },
        { tenant: 'ten_r', at: '2026-10-20T08:00:00Z', traffic: { requests: 1000 } },
      ],
      window: { scope: 'tenant', tenant_id: 'ten_r', starts_at: '2026-10-15T10:00:00Z', ends_at: '2026-10-15T11:00:00Z' },
      without: { valid_requests: 3000, failed_requests: 10, credit_percent: 10 },
      expected: {
        valid_requests: 1000,
        failed_requests: 0,
        achieved: 1,
        downtime_minutes: 0,
        excluded_maintenance_minutes: 60,
        breached: false,
        credit_percent: 0,
        credit_cents: 0,
      },
      window_minutes: 60,
    },
    {
      // Sundays 01:00 local for 3 elapsed hours: 23:00–02:00 UTC while CEST (4, 11, 18 and 25 October: on the
      // 25th the clocks go back at 01:00 UTC, and the window still ends at 02:00 UTC = 03:00 CET).
      case: 'a weekly window across the end of DST: the 01:30 UTC burst is excluded, the 02:10 UTC one counts',
      bursts: [
        { tenant: 'ten_r', at: '2026-10-25T01:30:00Z', traffic: { requests: 1000, errors: 5 } },
        { tenant: 'ten_r', at: '2026-10-25T02:10:00Z', traffic: { requests: 1000, errors: 1 } },
      ],
      window: {
        scope: 'platform',
        rule: { rrule: 'DTSTART:20261004T010000\nRRULE:FREQ=WEEKLY;BYDAY=SU', timezone: 'Europe/Ljubljana', duration_minutes: 180 },
      },
      without: { valid_requests: 2000, failed_requests: 6, credit_percent: 10 },
      expected: {
        valid_requests: 1000,
        failed_requests: 1,
        achieved: 0.999,
        // 0.001 × (745 h × 60 − 4 × 180) minutes
        downtime_minutes: 43.98,
        excluded_maintenance_minutes: 720,
        breached: false,
        credit_percent: 0,
        credit_cents: 0,
      },
      window_minutes: 720,
    },
  ])('$case', async ({ bursts, window, without, expected, window_minutes }) => {
    await publish(harness, bursts);
    await eventually(async () => (await report())?.['valid_requests'] === without.valid_requests, {
      timeoutMs: 10_000,
      description: 'the profile and traffic consumed',
    });
    expect(await report()).toMatchObject({ ...without, excluded_maintenance_minutes: 0, maintenance_windows: [] });

    const id = await createWindow(harness, window);
    expect(await report()).toMatchObject({
      ...expected,
      maintenance_windows: [{ id, scope: window.scope, reason: 'maintenance', excluded_minutes: window_minutes }],
    });
    const all = await harness.call(ADMIN, 'GET', `${API}/sla/report?period=2026-10`);
    expect(all.body.items).toEqual([
      expect.objectContaining({ tenant_id: 'ten_r', excluded_maintenance_minutes: window_minutes, credit_cents: 0 }),
    ]);
    expect(await harness.closePreviousMonth()).toEqual([]);
  });
});
