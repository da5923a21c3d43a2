import type { TenantryEvent } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type Subscription as BusSubscription } from '@tenantry/event-bus';
import type { RunningServices } from '@tenantry/runtime';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { Client, createTenant, realInfraEnv, startExtraGateway, usePlatform } from '../test-support/e2e-harness';
import { FailingProxy } from '../test-support/failing-proxy';
import { OBSERVABILITY_API, alertsOf as alertsAmong, proTenantsFiring, sampleValue, slaOf as slaAnswer } from '../test-support/slo-steps';

jest.setTimeout(240_000);

const O = OBSERVABILITY_API;

interface RouteTraffic {
  service: string;
  route: string;
  method: string;
  request_count: number;
  error_count: number;
  client_error_count: number;
}

/** `count` calls, `lanes` at a time; their answers' statuses, counted. */
async function statusesOf(count: number, lanes: number, call: () => Promise<{ status: number; headers: Headers }>) {
  const statuses: Record<number, number> = {};
  const cacheStatuses = new Set<string | null>();
  let started = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (started < count) {
        started += 1;
        const answer = await call();
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        cacheStatuses.add(answer.headers.get('x-cache-status'));
      }
    }),
  );
  return { statuses, cacheStatuses: [...cacheStatuses] };
}

/**
 * Issue 12: real traffic through a gateway to an upstream that fails a set share of requests, on real Kafka,
 * FerretDB and Redis. The gateway meters it (metric.recorded), observability rolls it up: the SLI, budget and
 * burn rates reach the hand-computed values, the evaluation loop fires the page within two evaluations of the
 * traffic arriving, and the recovery resolves it within two more; each transition is published once.
 * Evaluations are counted (`tenantry_slo_evaluations_total` on the observability service's /metrics), not timed.
 */
describeWithInfra('an SLO burnt by real traffic through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // Topics and consumer groups of this suite's own: no other run's observability takes its metric.recorded.
  const env = realInfraEnv(infra, {
    KAFKA_NAMESPACE: uniqueName('slo-burn'),
    // Alerts are evaluated every 2 s here (the default is every minute).
    OBSERVABILITY_EVALUATION_INTERVAL_MS: '2000',
    // Pro allows 100 requests a minute: this load test needs more (a refused request would never reach the upstream).
    RATE_LIMIT_OVERRIDES: '{"pro":{"requestsPerMinute":100000}}',
  });
  const running = usePlatform(() => env);
  const { admin } = running;

  let proxy: FailingProxy;
  let gateway: RunningServices | undefined;
  /** alert.fired and alert.resolved as a consumer of the bus sees them. */
  const events: TenantryEvent[] = [];
  let observer: BusSubscription | undefined;

  beforeAll(async () => {
    const tenants = running.platform.servers.get('tenants')?.url;
    if (!tenants) throw new Error('the platform runs no tenants service');
    proxy = await new FailingProxy(new URL(tenants)).start();
    gateway = await startExtraGateway(env, running.platform, { tenants: proxy.url });
    observer = await running.platform.platform.bus.subscribe({
      groupId: uniqueName('slo-burn'),
      eventTypes: ['alert.fired', 'alert.resolved'],
      retry: DEFAULT_RETRY_POLICY,
      fromBeginning: true,
      handler: async (event) => {
        events.push(event);
      },
    });
  }, 60_000);
  afterAll(async () => {
    await observer?.stop({ timeoutMs: 5_000 });
    await gateway?.shutdown();
    await proxy?.close();
  });

  const alertsOf = (tenantId: string): string[] => alertsAmong(events, tenantId);
  const slaOf = (tenantId: string) => slaAnswer(admin, tenantId);

  /** The tenant's metered traffic on the tenants routes over the last hour (hour rollups: every request of this test). */
  const trafficOf = async (tenantId: string): Promise<RouteTraffic | undefined> => {
    const reply = await admin.get<{ routes: RouteTraffic[] }>(`${O}/metrics/tenant/${tenantId}?window=1h`);
    expect(reply.status).toBe(200);
    return reply.body.routes.find((route) => route.route === '/api/v1/tenants/*' && route.method === 'GET');
  };

  /**
   * One scrape of the observability service's /metrics: evaluations completed and how many pro tenants page
   * (this suite's database holds one; undefined before a round has seen it). The count and the gauges are
   * observed together: those of one round.
   */
  const evaluationState = async (): Promise<{ evaluations: number; proPaging: number | undefined }> => {
    const observability = new Client(running.platform.servers.get('observability')?.url ?? '', undefined);
    const scrape = (await observability.get<string>('/metrics')).body;
    const evaluations = sampleValue(scrape, 'tenantry_slo_evaluations_total');
    const paging = proTenantsFiring(scrape, 'page');
    return { evaluations: evaluations ?? 0, proPaging: paging };
  };

  /** The first scrape at which `condition` holds (polled often: rounds are 2 s apart, a scrape takes milliseconds). */
  const firstScrapeWhere = (condition: (state: { evaluations: number; proPaging: number | undefined }) => boolean, description: string) =>
    eventually(
      async () => {
        const state = await evaluationState();
        return condition(state) ? state : false;
      },
      { timeoutMs: 60_000, intervalMs: 10, description },
    );

  it('when the upstream fails every 20th call of a pro tenant, then the SLI and budget are as computed by hand, the page fires within two evaluations and resolves within two after the recovery, each once', async () => {
    // A pro tenant (SLA 99.9 %), known to observability as such.
    const created = await createTenant(admin, { subscription_tier: 'pro' });
    const tenantId = created.tenant.id;
    await eventually(async () => (await slaOf(tenantId)).slo === 'tenant-availability-pro', {
      timeoutMs: 15_000,
      description: "observability to know the tenant's plan",
    });
    const url = gateway?.servers.get('gateway')?.url;
    if (!url) throw new Error('the extra gateway is not running');
    const tenant = new Client(url, created.api_key.key);
    // `Cache-Control: no-store`: the gateway fetches every read from the upstream (X-Cache-Status: BYPASS).
    const noStore = { 'cache-control': 'no-store' };
    proxy.path = `/api/v1/tenants/${tenantId}`;
    proxy.failEvery = 20;

    // 1. The burn: 100 reads of its own record, every 20th failing upstream; and 10 reads of a path the
    //    service does not have (404: the client's doing, not valid events).
    const notFound = await statusesOf(10, 4, () => tenant.get(`/api/v1/tenants/${tenantId}/no-such-thing`, noStore));
    expect(notFound.statuses).toEqual({ 404: 10 });
    const burn = await statusesOf(100, 16, () => tenant.get(`/api/v1/tenants/${tenantId}`, noStore));
    expect(burn.statuses).toEqual({ 200: 95, 503: 5 });
    expect(burn.cacheStatuses).toEqual(['BYPASS']);
    expect({ received: proxy.received, failed: proxy.failed }).toEqual({ received: 100, failed: 5 });

    // The gateway's metering reaches observability over Kafka: 110 requests, 5 5xx, 10 4xx (a delivery's
    // rollup documents are written in parallel: the route's and the tenant's SLI series both count them).
    await eventually(async () => (await trafficOf(tenantId))?.request_count === 110 && (await slaOf(tenantId)).valid_events === 100, {
      timeoutMs: 60_000,
      description: "the burn's 110 requests metered and rolled up",
    });
    expect(await trafficOf(tenantId)).toMatchObject({ request_count: 110, error_count: 5, client_error_count: 10 });
    // Every evaluation that starts from here on reads all of it.
    const burnArrived = (await evaluationState()).evaluations;

    // 100 valid events (the 404s are not), 5 bad: SLI 95 / 100 = 0.95. Budget 0.001 × 100 = 0.1 bad events,
    // 5 consumed, 0.1 − 5 = −4.9 left = −49 budgets. Burn rate (5 / 100) / 0.001 = 50× in every window
    // (a window reads whole minutes, from the one holding its start: a minute boundary during the test moves
    // nothing, and this traffic is seconds old): both page conditions (14.4× over 1 h and 5 m, 6× over 6 h
    // and 30 m) and the ticket (1× over 3 d and 6 h) hold.
    const burning = await slaOf(tenantId);
    expect(burning).toMatchObject({
      slo: 'tenant-availability-pro',
      objective: 0.999,
      sli: 0.95,
      valid_events: 100,
      bad_events: 5,
      excluded_minutes: 0,
      budget: { total: 0.1, consumed: 5, remaining: -4.9, remaining_fraction: -49 },
      alerts_firing: ['page', 'ticket'],
    });
    expect(burning.burn_rates).toEqual({ '1h': 50, '5m': 50, '6h': 50, '30m': 50, '3d': 50 });

    // 2. The page fires within two evaluations: the one running when the traffic arrived may have read
    //    before it, the next one cannot have.
    const fired = await firstScrapeWhere((state) => state.proPaging === 1, 'the evaluation loop to page for the tenant');
    expect(fired.evaluations - burnArrived).toBeLessThanOrEqual(2);
    await eventually(() => alertsOf(tenantId).includes('alert.fired page'), {
      timeoutMs: 30_000,
      description: 'alert.fired page of the tenant on the bus',
    });
    const page = events.find(
      (event) =>
        event.type === 'alert.fired' && (event.data as { alert_id: string }).alert_id === `tenant-availability-pro:${tenantId}:page`,
    );
    expect(page?.data).toMatchObject({
      alert_id: `tenant-availability-pro:${tenantId}:page`,
      slo: 'tenant-availability-pro',
      service: 'gateway',
      tenant_id: tenantId,
      severity: 'page',
      objective: 0.999,
      windows: expect.arrayContaining([expect.objectContaining({ long_window: '1h', short_window: '5m', factor: 14.4 })]),
    });

    // 3. Recovery: the upstream stops failing; 900 more reads, all answered.
    proxy.failEvery = null;
    const recovery = await statusesOf(900, 16, () => tenant.get(`/api/v1/tenants/${tenantId}`, noStore));
    expect(recovery.statuses).toEqual({ 200: 900 });
    expect({ received: proxy.received, failed: proxy.failed }).toEqual({ received: 1_000, failed: 5 });
    await eventually(async () => (await trafficOf(tenantId))?.request_count === 1_010 && (await slaOf(tenantId)).valid_events === 1_000, {
      timeoutMs: 60_000,
      description: "the recovery's 900 requests metered and rolled up",
    });
    expect(await trafficOf(tenantId)).toMatchObject({ request_count: 1_010, error_count: 5, client_error_count: 10 });
    const recoveryArrived = (await evaluationState()).evaluations;

    // 1,000 valid, 5 bad: SLI 0.995; budget 0.001 × 1,000 = 1, 5 consumed, −4 left = −4 budgets. Burn rate
    // (5 / 1,000) / 0.001 = 5× in every window (the burn is seconds old too): under both page factors (14.4×, 6×), so the page resolves;
    // over the ticket's 1×, so the ticket stays.
    const recovered = await slaOf(tenantId);
    expect(recovered).toMatchObject({
      sli: 0.995,
      valid_events: 1_000,
      bad_events: 5,
      budget: { total: 1, consumed: 5, remaining: -4, remaining_fraction: -4 },
      alerts_firing: ['ticket'],
    });
    expect(recovered.burn_rates).toEqual({ '1h': 5, '5m': 5, '6h': 5, '30m': 5, '3d': 5 });

    const resolved = await firstScrapeWhere((state) => state.proPaging === 0, 'the evaluation loop to stop paging for the tenant');
    expect(resolved.evaluations - recoveryArrived).toBeLessThanOrEqual(2);
    await eventually(() => ['alert.resolved page', 'alert.fired ticket'].every((alert) => alertsOf(tenantId).includes(alert)), {
      timeoutMs: 30_000,
      description: 'alert.resolved page (and the ticket fired earlier) of the tenant on the bus',
    });

    // 4. Each transition once: after three more evaluations of the same traffic (time for anything they
    //    published to be relayed), the bus holds one of each.
    await firstScrapeWhere((state) => state.evaluations >= resolved.evaluations + 3, 'three more evaluations');
    expect(alertsOf(tenantId).sort()).toEqual(['alert.fired page', 'alert.fired ticket', 'alert.resolved page']);
  });
});
