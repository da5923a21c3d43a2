import { DEFAULT_RETRY_POLICY, type Subscription as BusSubscription } from '@tenantry/event-bus';
import type { TenantryEvent } from '@tenantry/contracts';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { Client, realInfraEnv, usePlatform } from '../test-support/e2e-harness';
import { at, MINUTE, recordBody, thisMinute } from '../test-support/readme-steps';
import { OBSERVABILITY_API, alertsOf as alertsAmong, proTenantsFiring as proFiring, slaOf as slaAnswer } from '../test-support/slo-steps';

jest.setTimeout(180_000);

const O = OBSERVABILITY_API;
const M = '/api/v1/monetization';

interface InvoiceLine {
  kind: string;
  description: string;
  amount_cents: number;
}
interface Invoice {
  number: string | null;
  reason: string;
  status: string;
  lines: InvoiceLine[];
  total_cents: number;
}

/** The month before the one that contains `now` less 16 minutes (`date -u -d "$(date -u -d '16 minutes ago' +%Y-%m-01) -1 month" +%Y-%m`). */
function lastMonth(now: number): string {
  const shifted = new Date(now - 16 * MINUTE);
  const previous = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() - 1, 1));
  return previous.toISOString().slice(0, 7);
}

/** Days of a month `YYYY-MM`. */
const daysIn = (month: string): number => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();

/** (1 − 0.997) × the month's minutes, worked out by hand: 0.003 × 1,440 × days. */
const DOWNTIME_OF_A_MONTH: Record<number, number> = { 28: 120.96, 29: 125.28, 30: 129.6, 31: 133.92 };

/**
 * The README's SRE walkthrough ("an SLO burns, an alert fires, a credit lands on the invoice"), step by step
 * with its exact requests, through the gateway on real Kafka, FerretDB and Redis: the SLI, budget and burn
 * rates at the hand-computed values, the page alert fired by the evaluation loop and resolved by the recovery,
 * a maintenance window taking the bad minute out, and the breached month's one credit on the next invoice.
 */
describeWithInfra('README SRE walkthrough through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // Alerts are evaluated every second here (the default is every minute).
  const running = usePlatform(() => realInfraEnv(infra, { OBSERVABILITY_EVALUATION_INTERVAL_MS: '1000' }));

  const { admin } = running;

  /** alert.fired, alert.resolved and sla.breached as a consumer of the bus sees them. */
  const events: TenantryEvent[] = [];
  let observer: BusSubscription | undefined;
  beforeAll(async () => {
    observer = await running.platform.platform.bus.subscribe({
      groupId: uniqueName('sre-walkthrough'),
      eventTypes: ['alert.fired', 'alert.resolved', 'sla.breached'],
      retry: DEFAULT_RETRY_POLICY,
      fromBeginning: true,
      handler: async (event) => {
        events.push(event);
      },
    });
  });
  afterAll(() => observer?.stop({ timeoutMs: 5_000 }));

  const alertsOf = (tenantId: string): string[] => alertsAmong(events, tenantId);
  const slaOf = (tenantId: string) => slaAnswer(admin, tenantId);
  const proTenantsFiring = async (severity: 'page' | 'ticket'): Promise<number> => {
    const observability = new Client(running.platform.servers.get('observability')?.url ?? '', undefined);
    return proFiring((await observability.get<string>('/metrics')).body, severity) ?? Number.NaN;
  };

  it('when a newcomer follows "an SLO burns, an alert fires, a credit lands on the invoice", then every step answers as written', async () => {
    // 1. A pro tenant (UTC by default).
    const created = await admin.post<{ tenant: { id: string; status: string; subscription_tier: string }; api_key: { key: string } }>(
      '/api/v1/tenants',
      { name: 'Initech', subscription_tier: 'pro' },
    );
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ status: 'trial', subscription_tier: 'pro' });
    const tenantId = created.body.tenant.id;
    const tenant = admin.as(created.body.api_key.key);
    // Observability learns the tenant's plan from tenant.created: then its SLA is the first SLO of the gateway's.
    await eventually(async () => (await slaOf(tenantId)).slo === 'tenant-availability-pro', {
      timeoutMs: 15_000,
      description: "observability to know the tenant's plan",
    });

    // 2. Three minutes of its gateway traffic, recorded as an agent would (T is this minute).
    const T = thisMinute();
    const record = (batch: string, start: string, end: string, requests: number, errors: number, clientErrors: number) =>
      admin.post(`${O}/metrics/record`, recordBody(tenantId, batch, start, end, requests, errors, clientErrors));
    const deploy = await record('deploy', at(T, -3), at(T, -2), 20_000, 460, 0);
    expect(deploy).toMatchObject({ status: 200, body: { batch_id: `${tenantId}-deploy`, samples: 1, requests: 20_000 } });
    const after = await record('after', at(T, -2), at(T, -1), 5_500, 40, 500);
    expect(after).toMatchObject({ status: 200, body: { batch_id: `${tenantId}-after`, samples: 1, requests: 5_500 } });

    // 3. 25,000 valid events, 500 bad: SLI 0.98; budget 0.001 × 25,000 = 25, overspent by 475 (−19 budgets);
    //    0.02 / 0.001 = 20× in every window: both page conditions (14.4×, 6×) and the ticket (1×).
    const burning = await slaOf(tenantId);
    expect(burning).toMatchObject({
      slo: 'tenant-availability-pro',
      objective: 0.999,
      sli: 0.98,
      valid_events: 25_000,
      bad_events: 500,
      excluded_minutes: 0,
      budget: { total: 25, consumed: 500, remaining: -475, remaining_fraction: -19 },
      alerts_firing: ['page', 'ticket'],
    });
    expect(burning.burn_rates).toEqual({ '1h': 20, '5m': 20, '6h': 20, '30m': 20, '3d': 20 });

    // 4. The evaluation loop fires the page (and the ticket): alert.fired on the bus, the gauge on /metrics.
    await eventually(() => ['alert.fired page', 'alert.fired ticket'].every((alert) => alertsOf(tenantId).includes(alert)), {
      timeoutMs: 60_000,
      description: 'alert.fired page and ticket of the tenant (evaluations every second)',
    });
    const fired = events.find(
      (event) =>
        event.type === 'alert.fired' && (event.data as { alert_id: string }).alert_id === `tenant-availability-pro:${tenantId}:page`,
    );
    expect(fired?.data).toMatchObject({ slo: 'tenant-availability-pro', service: 'gateway', tenant_id: tenantId, severity: 'page' });
    // One per pro tenant paging: 1 on a fresh platform; other specs' tenants of the shared database may page too.
    // The gauges are set once the evaluation has gone through every subject (its events may be out before).
    await eventually(async () => (await proTenantsFiring('page')) >= 1 && (await proTenantsFiring('ticket')) >= 1, {
      timeoutMs: 60_000,
      description: 'the pro SLA gauges to count a tenant paging and one with a ticket',
    });

    // 5. Recovery: a minute of 75,000 good requests. 100,000 valid, 500 bad: SLI 0.995, 5× — under both page
    //    factors, so the page resolves; over the ticket's 1×, so the ticket stays.
    const recovered = await record('recovered', at(T, -1), at(T, 0), 75_000, 0, 0);
    expect(recovered).toMatchObject({ status: 200, body: { batch_id: `${tenantId}-recovered`, samples: 1, requests: 75_000 } });
    const recovering = await slaOf(tenantId);
    expect(recovering).toMatchObject({
      sli: 0.995,
      valid_events: 100_000,
      bad_events: 500,
      excluded_minutes: 0,
      budget: { total: 100, consumed: 500, remaining: -400, remaining_fraction: -4 },
      alerts_firing: ['ticket'],
    });
    expect(recovering.burn_rates).toEqual({ '1h': 5, '5m': 5, '6h': 5, '30m': 5, '3d': 5 });
    await eventually(() => alertsOf(tenantId).includes('alert.resolved page'), {
      timeoutMs: 60_000,
      description: 'alert.resolved page of the tenant',
    });

    // 6. The deploy's minute was a database failover: a maintenance window over it (after the fact). Its
    //    20,000 requests count neither good nor bad: 80,000 valid, 40 bad: SLI 0.9995, 0.5×, half the budget
    //    left; the ticket resolves too.
    const window = await admin.post<{ id: string; scope: string; tenant_id: string; starts_at: string; ends_at: string }>(
      `${O}/maintenance-windows`,
      { scope: 'tenant', tenant_id: tenantId, starts_at: at(T, -3), ends_at: at(T, -2), reason: 'database failover' },
    );
    expect(window.status).toBe(201);
    expect(window.body).toMatchObject({
      scope: 'tenant',
      tenant_id: tenantId,
      starts_at: new Date(T - 3 * MINUTE).toISOString(),
      ends_at: new Date(T - 2 * MINUTE).toISOString(),
    });
    const maintained = await slaOf(tenantId);
    expect(maintained).toMatchObject({
      sli: 0.9995,
      valid_events: 80_000,
      bad_events: 40,
      excluded_minutes: 1,
      budget: { total: 80, consumed: 40, remaining: 40, remaining_fraction: 0.5 },
      alerts_firing: [],
    });
    expect(maintained.burn_rates).toEqual({ '1h': 0.5, '5m': 0.5, '6h': 0.5, '30m': 0.5, '3d': 0.5 });
    await eventually(() => alertsOf(tenantId).includes('alert.resolved ticket'), {
      timeoutMs: 60_000,
      description: 'alert.resolved ticket of the tenant',
    });

    // 7. Last month (UTC): a bad day on the 15th, 10,000 valid requests, 30 failed: 0.997 achieved against
    //    0.999, 10 % of pro's 19,900 cents; downtime 0.003 × the month's minutes.
    const LAST = lastMonth(Date.now());
    const bad = await record('last-month', `${LAST}-15T10:00:00Z`, `${LAST}-15T10:05:00Z`, 10_000, 30, 0);
    expect(bad).toMatchObject({ status: 200, body: { batch_id: `${tenantId}-last-month`, samples: 1, requests: 10_000 } });
    const report = await tenant.get<{ period: string; items: Array<Record<string, unknown>>; next_cursor: null }>(
      `${O}/sla/report?period=${LAST}`,
    );
    expect(report.status).toBe(200);
    const expectedReport = {
      report_id: `sla_${tenantId}_${LAST}`,
      tenant_id: tenantId,
      month: LAST,
      timezone: 'UTC',
      complete: true,
      plan_id: 'pro',
      objective: 0.999,
      achieved: 0.997,
      valid_requests: 10_000,
      failed_requests: 30,
      downtime_minutes: DOWNTIME_OF_A_MONTH[daysIn(LAST)],
      excluded_maintenance_minutes: 0,
      maintenance_windows: [],
      breached: true,
      credit_percent: 10,
      monthly_fee_cents: 19_900,
      credit_cents: 1_990,
      currency: 'EUR',
    };
    expect(report.body).toEqual({ period: LAST, items: [expect.objectContaining(expectedReport)], next_cursor: null });

    // 8. The loop closed last month (15 minutes after it ended) before this traffic was recorded: the admin
    //    closes it now. sla.breached once: closing again emits nothing.
    const closed = await admin.post<{ report: Record<string, unknown>; sla_breached: string }>(`${O}/sla/report/${LAST}/close`, {
      tenant_id: tenantId,
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ report: expect.objectContaining(expectedReport), sla_breached: 'emitted' });
    const again = await admin.post<{ report: Record<string, unknown>; sla_breached: string }>(`${O}/sla/report/${LAST}/close`, {
      tenant_id: tenantId,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ report: expect.objectContaining(expectedReport), sla_breached: 'already_emitted' });

    // 9. Billing takes the credit onto the tenant's next invoice: the draft shows it, subscribing issues it.
    const subscriptions = await tenant.get<{ items: Array<{ id: string; plan_id: string; status: string }> }>(`${M}/subscriptions`);
    expect(subscriptions.body.items).toEqual([expect.objectContaining({ plan_id: 'pro', status: 'trialing' })]);
    const subscriptionId = subscriptions.body.items[0]?.id;
    const creditLine = {
      kind: 'sla_credit',
      description: `SLA credit ${LAST}: 99.7% available against 99.9% promised (10% of the month's fee)`,
      amount_cents: -1_990,
    };
    const upcoming = await eventually(
      async () => {
        const reply = await tenant.get<{ invoice: Invoice }>(`${M}/subscriptions/${subscriptionId}/upcoming-invoice`);
        return reply.body.invoice?.lines.some((line) => line.kind === 'sla_credit') ? reply.body.invoice : false;
      },
      { timeoutMs: 30_000, description: 'the SLA credit pending on the next invoice' },
    );
    expect(upcoming).toMatchObject({ reason: 'trial_conversion', status: 'draft', total_cents: 17_910 });
    expect(upcoming.lines.map((line) => [line.kind, line.amount_cents])).toEqual([
      ['subscription', 19_900],
      ['sla_credit', -1_990],
    ]);
    expect(upcoming.lines[1]).toMatchObject(creditLine);
    const subscribed = await tenant.post<{ subscription: { plan_id: string; status: string }; invoice: Invoice }>(`${M}/subscribe`, {
      plan_id: 'pro',
      interval: 'monthly',
    });
    expect(subscribed.status).toBe(201);
    expect(subscribed.body.subscription).toMatchObject({ plan_id: 'pro', status: 'active' });
    expect(subscribed.body.invoice).toMatchObject({
      number: expect.stringMatching(/-0001$/),
      reason: 'trial_conversion',
      status: 'open',
      subtotal_cents: 17_910,
      total_cents: 17_910,
    });
    expect(subscribed.body.invoice.lines.map((line) => [line.kind, line.amount_cents])).toEqual([
      ['subscription', 19_900],
      ['sla_credit', -1_990],
    ]);
    expect(subscribed.body.invoice.lines[1]).toMatchObject(creditLine);

    // Exactly one transition of each alert, and one sla.breached for the month.
    await eventually(
      () => events.some((event) => event.type === 'sla.breached' && (event.data as { tenant_id: string }).tenant_id === tenantId),
      {
        timeoutMs: 10_000,
        description: 'sla.breached on the bus',
      },
    );
    expect(alertsOf(tenantId).sort()).toEqual(['alert.fired page', 'alert.fired ticket', 'alert.resolved page', 'alert.resolved ticket']);
    const breaches = events.filter(
      (event) => event.type === 'sla.breached' && (event.data as { tenant_id: string }).tenant_id === tenantId,
    );
    expect(breaches.map((event) => event.data)).toEqual([
      expect.objectContaining({ report_id: `sla_${tenantId}_${LAST}`, credit_cents: 1_990 }),
    ]);
  });
});
