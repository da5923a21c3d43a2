import { createEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { eventually } from '@tenantry/testing';
import { DEFAULT_CREDIT_SCHEDULE } from '../slo-definitions/definitions';
import {
  ADMIN,
  gatewayBatch,
  startObservabilityHarness,
  tenantKey,
  TestClock,
  type ObservabilityHarness,
} from '../test-support/observability-harness';
import { creditPercent } from './credit';

describe('credit schedule', () => {
  it.each([
    { objective: 0.999, achieved: 0.9995, percent: 0 },
    { objective: 0.999, achieved: 0.999, percent: 0 },
    { objective: 0.999, achieved: 0.995, percent: 10 },
    { objective: 0.999, achieved: 0.9899, percent: 25 },
    { objective: 0.9999, achieved: 0.95, percent: 25 },
    { objective: 0.9999, achieved: 0.9499, percent: 50 },
  ])('when $achieved is achieved against $objective, then $percent % of the fee is credited', ({ objective, achieved, percent }) => {
    expect(creditPercent(DEFAULT_CREDIT_SCHEDULE, objective, achieved)).toBe(percent);
  });
});

describe('monthly SLA report (embedded)', () => {
  let harness: ObservabilityHarness;
  // 01:30 on 1 November in Ljubljana: October is over there.
  beforeEach(async () => {
    harness = await startObservabilityHarness({ clock: new TestClock(new Date('2026-11-01T00:30:00Z')) });
  });
  afterEach(() => harness.close());

  it('when a pro tenant in Ljubljana missed 99.9 % in October, then its report owes 10 % and sla.breached is emitted once, after the closing grace', async () => {
    const data = {
      ...EXAMPLE_EVENT_DATA['tenant.created'],
      tenant_id: 'ten_r',
      subscription_tier: 'pro' as const,
      timezone: 'Europe/Ljubljana',
    };
    await harness.platform.bus.publish([createEvent('tenant.created', { tenantId: 'ten_r', source: '/tenantry/tenants', data })]);
    // 1,000 valid requests, 5 failed: 0.995 achieved.
    await harness.platform.bus.publish([gatewayBatch('ten_r', new Date('2026-10-15T10:00:00Z'), [{ requests: 1000, errors: 5 }])]);
    const expected = {
      report_id: 'sla_ten_r_2026-10',
      month: '2026-10',
      timezone: 'Europe/Ljubljana',
      period: { start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z' },
      complete: true,
      objective: 0.999,
      achieved: 0.995,
      downtime_minutes: 223.5, // 0.005 × 745 h × 60 (October has 745 hours there: DST ends on the 25th)
      excluded_maintenance_minutes: 0,
      breached: true,
      credit_percent: 10,
      monthly_fee_cents: 19_900,
      credit_cents: 1_990,
    };
    await eventually(
      async () =>
        (await harness.call(tenantKey('ten_r'), 'GET', '/api/v1/observability/sla/report?period=2026-10')).body.items?.[0]
          ?.valid_requests === 1000,
      {
        timeoutMs: 10_000,
        description: 'the profile and traffic consumed',
      },
    );
    const own = await harness.call(tenantKey('ten_r'), 'GET', '/api/v1/observability/sla/report?period=2026-10');
    expect(own.body.items).toEqual([expect.objectContaining(expected)]);
    const all = await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/report?period=2026-10&limit=10');
    expect(all.body.items).toEqual([expect.objectContaining({ tenant_id: 'ten_r', credit_cents: 1_990 })]);

    // Five minutes after the month's end late batches may still arrive: not closed yet.
    harness.clock.at = new Date('2026-10-31T23:05:00Z');
    expect(await harness.closePreviousMonth()).toEqual([]);
    harness.clock.at = new Date('2026-11-01T00:30:00Z');
    expect(await harness.closePreviousMonth()).toEqual(['sla_ten_r_2026-10']);
    expect(await harness.closePreviousMonth()).toEqual([]);
    await eventually(() => harness.alertEvents.some((event) => event.type === 'sla.breached'), {
      timeoutMs: 5_000,
      description: 'sla.breached published',
    });
    const breaches = harness.alertEvents.filter((event) => event.type === 'sla.breached');
    expect(breaches).toHaveLength(1);
    const { complete: _complete, breached: _breached, ...inEvent } = expected;
    expect(breaches[0]?.data).toMatchObject({ ...inEvent, tenant_id: 'ten_r', plan_id: 'pro', currency: 'EUR' });
    expect((await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/report?period=2026-13')).status).toBe(400);
  });

  it('when October traffic arrives after the loop closed October as met, then the admin closes it on demand: sla.breached once', async () => {
    const data = { ...EXAMPLE_EVENT_DATA['tenant.created'], tenant_id: 'ten_late', subscription_tier: 'pro' as const, timezone: 'UTC' };
    await harness.platform.bus.publish([createEvent('tenant.created', { tenantId: 'ten_late', source: '/tenantry/tenants', data })]);
    const reportOf = async () => (await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/report?period=2026-10&limit=10')).body;
    await eventually(async () => (await reportOf()).items?.length === 1, { timeoutMs: 10_000, description: 'the profile consumed' });
    // The loop closes October without traffic: met, and this process does not read it again.
    expect(await harness.closePreviousMonth()).toEqual([]);
    // 10,000 valid requests of 15 October, 30 failed, recorded late: 0.997 achieved, 10 % of 19,900.
    await harness.platform.bus.publish([gatewayBatch('ten_late', new Date('2026-10-15T10:00:00Z'), [{ requests: 10_000, errors: 30 }])]);
    await eventually(async () => (await reportOf()).items?.[0]?.valid_requests === 10_000, {
      timeoutMs: 10_000,
      description: 'the late traffic consumed',
    });
    expect(await harness.closePreviousMonth()).toEqual([]);
    const close = (identity: typeof ADMIN, period: string, tenantId = 'ten_late') =>
      harness.call(identity, 'POST', `/api/v1/observability/sla/report/${period}/close`, { tenant_id: tenantId });
    expect((await close(tenantKey('ten_late', 'pro'), '2026-10')).status).toBe(403);
    const first = await close(ADMIN, '2026-10');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      report: expect.objectContaining({ report_id: 'sla_ten_late_2026-10', achieved: 0.997, breached: true, credit_cents: 1_990 }),
      sla_breached: 'emitted',
    });
    expect((await close(ADMIN, '2026-10')).body.sla_breached).toBe('already_emitted');
    // November is not over; a tenant without an SLA has nothing to close.
    const open = await close(ADMIN, '2026-11');
    expect(open.status).toBe(409);
    expect(open.body.detail).toBe('2026-11 is not over for ten_late (UTC): it can be closed from 2026-12-01T00:15:00.000Z.');
    expect((await close(ADMIN, '2026-10', 'ten_unknown')).status).toBe(404);
    await eventually(() => harness.alertEvents.some((event) => event.type === 'sla.breached'), {
      timeoutMs: 5_000,
      description: 'sla.breached published',
    });
    expect(await harness.closePreviousMonth()).toEqual([]);
    const breaches = harness.alertEvents.filter((event) => event.type === 'sla.breached');
    expect(breaches.map((event) => event.data)).toEqual([
      expect.objectContaining({ report_id: 'sla_ten_late_2026-10', credit_cents: 1_990 }),
    ]);
  });
});
