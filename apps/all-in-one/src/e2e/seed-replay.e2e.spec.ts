import { describeWithInfra, eventually } from '@tenantry/testing';
import { type Client, type CreatedTenant, createSettledTenants, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const T = '/api/v1/tenants';
const O = '/api/v1/observability';
const A = '/api/v1/ai-assistant';
const M = '/api/v1/monetization';

/** The seed's "Create Tenant" example, byte for byte as its `curl -d` sends it. */
const CREATE_TENANT_BODY = `{
    "name": "Acme Corp",
    "subscription_tier": "pro",
    "metadata": {"industry": "fintech"}
  }`;

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
interface Task {
  id: string;
  tenant_id: string;
  action: string;
  status: string;
  result: Record<string, unknown> | null;
}
interface Subscription {
  id: string;
  tenant_id: string;
  plan_id: string;
  interval: string;
  status: string;
  pending_change: { kind: string; plan_id: string } | null;
}

/**
 * The original request (the seed): its four Usage Examples as written — only the port and an
 * `Authorization` header added — and every endpoint of its four endpoint lists, with the method and path
 * the seed shows, answering what the seed describes. Through the gateway on real Kafka, FerretDB and Redis.
 */
describeWithInfra('the seed, replayed through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // The quick actions wait for their task before answering (202 after ASSISTANT_QUICK_WAIT, 3 s by
  // default): long enough here that a busy test machine still sees the 200 a reader sees.
  const { admin } = usePlatform(() => realInfraEnv(infra, { ASSISTANT_QUICK_WAIT: '20s' }));

  /** Billing's trial subscription of a new tenant (from tenant.created), polled as the admin. */
  const trialOf = (tenantId: string): Promise<Subscription> =>
    eventually(
      async () => {
        const reply = await admin.get<Page<Subscription>>(`${M}/subscriptions?tenant_id=${tenantId}`);
        return reply.status === 200 && reply.body.items[0] ? reply.body.items[0] : false;
      },
      { timeoutMs: 15_000, description: `the trial subscription of ${tenantId}` },
    );

  describe('the Usage Examples, as written', () => {
    let acme: { id: string } | undefined;

    it('Create Tenant: 201 with the Acme Corp tenant on pro, its metadata, and its first API key', async () => {
      const created = await admin.post<{ tenant: Record<string, unknown> & { id: string }; api_key: { key: string } }>(
        T,
        CREATE_TENANT_BODY,
      );
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`${T}/${created.body.tenant.id}`);
      expect(created.body.tenant).toMatchObject({
        name: 'Acme Corp',
        subscription_tier: 'pro',
        metadata: { industry: 'fintech' },
        status: 'trial',
      });
      expect(created.body.api_key.key).toMatch(/^tnt_/);
      acme = created.body.tenant;
    });

    it("Check SLA Status: the gateway's SLOs (the seed's api-gateway), each with its objective, SLI and error budget", async () => {
      const sla = await admin.get<{ service: string; tenant_id: null; slos: Array<Record<string, unknown>> }>(`${O}/sla/api-gateway`);
      expect(sla.status).toBe(200);
      // `api-gateway` is the seed's name of the gateway; the platform answers under its own name, `gateway`.
      expect(sla.body).toMatchObject({ service: 'gateway', tenant_id: null });
      expect(sla.body.slos).toEqual([
        expect.objectContaining({ slo: 'gateway-availability', sli_kind: 'availability', objective: 0.999, budget: expect.any(Object) }),
        expect.objectContaining({ slo: 'gateway-latency', sli_kind: 'latency', objective: 0.99, budget: expect.any(Object) }),
      ]);
    });

    it('Run AI Cost Optimization: the finished optimize_costs task for the tenant named, with its recommendation', async () => {
      const tenantId = acme?.id ?? (await createSettledTenants(admin, { subscription_tier: 'pro' }))[0]?.tenant.id;
      // The seed's tenant_abc123 is a placeholder: a user substitutes the id of their tenant, as here.
      const optimized = await admin.post<Task>(`${A}/quick-actions/optimize-costs?tenant_id=${String(tenantId)}`);
      expect(optimized.status).toBe(200);
      expect(optimized.body).toMatchObject({ tenant_id: tenantId, action: 'optimize_costs', status: 'succeeded' });
      // A tenant created a moment ago has no usage to size a plan from: the assistant says so and keeps the plan.
      expect(optimized.body.result).toMatchObject({
        inputs: { days_with_data: 0 },
        recommendation: { action: 'keep', reason: 'No usage recorded yet: keep the current plan until there is history to size from.' },
      });
    });

    it('Get Pricing Plans: Basic €49, Pro €199, Enterprise €999 a month; €490, €1,990, €9,990 a year (in cents)', async () => {
      // The catalog is public: the example works as written, with no key.
      const plans = await admin
        .as(undefined)
        .get<Page<{ id: string; name: string; prices: { monthly: number; annual: number } }>>(`${M}/plans`);
      expect(plans.status).toBe(200);
      expect(plans.body.items.map(({ id, name, prices }) => ({ id, name, prices }))).toEqual([
        { id: 'basic', name: 'Basic', prices: { monthly: 4_900, annual: 49_000 } },
        { id: 'pro', name: 'Pro', prices: { monthly: 19_900, annual: 199_000 } },
        { id: 'enterprise', name: 'Enterprise', prices: { monthly: 99_900, annual: 999_000 } },
      ]);
    });
  });

  describe('the tenants endpoints', () => {
    let created: CreatedTenant;
    beforeAll(async () => {
      [created] = (await createSettledTenants(admin, { name: 'Seed Tenants', subscription_tier: 'pro' })) as [CreatedTenant];
    }, 30_000);

    it('POST /tenants creates a tenant (admin): 201 with the tenant and its first key', async () => {
      const reply = await admin.post<CreatedTenant>(T, { name: 'Initech', subscription_tier: 'basic' });
      expect(reply.status).toBe(201);
      expect(reply.body.tenant).toMatchObject({ name: 'Initech', subscription_tier: 'basic', status: 'trial' });
      expect(reply.body.api_key.key).toMatch(/^tnt_/);
    });

    it('GET /tenants/{tenant_id} answers the tenant', async () => {
      const reply = await admin.as(created.api_key.key).get(`${T}/${created.tenant.id}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: created.tenant.id, name: 'Seed Tenants', subscription_tier: 'pro' });
    });

    it('PUT /tenants/{tenant_id} updates it: the answer and the next read carry the change', async () => {
      const reply = await admin.put(`${T}/${created.tenant.id}`, { name: 'Seed Tenants GmbH', metadata: { industry: 'retail' } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ name: 'Seed Tenants GmbH', metadata: { industry: 'retail' } });
      expect((await admin.get(`${T}/${created.tenant.id}`)).body).toMatchObject({ name: 'Seed Tenants GmbH' });
    });

    it('GET /tenants lists tenants (admin), paged: the new tenant is among them', async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const reply: { status: number; body: Page<{ id: string }> } = await admin.get<Page<{ id: string }>>(
          `${T}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(reply.status).toBe(200);
        ids.push(...reply.body.items.map((tenant) => tenant.id));
        cursor = reply.body.next_cursor;
      } while (cursor !== null && !ids.includes(created.tenant.id));
      expect(ids).toContain(created.tenant.id);
      // A tenant key is not the admin: it may not list the platform's tenants.
      expect((await admin.as(created.api_key.key).get(T)).status).toBe(403);
    });

    it.each([
      ['basic', { api_calls_per_day: 1_000, requests_per_minute: 10, users: 5, storage_bytes: 1024 ** 3 }, [], null],
      [
        'pro',
        { api_calls_per_day: 10_000, requests_per_minute: 100, users: 50, storage_bytes: 10 * 1024 ** 3 },
        ['ai_assistant', 'advanced_analytics', 'priority_support', 'custom_domain'],
        99.9,
      ],
      [
        'enterprise',
        { api_calls_per_day: 'unlimited', requests_per_minute: 'unlimited', users: 'unlimited', storage_bytes: 'unlimited' },
        [
          'ai_assistant',
          'advanced_analytics',
          'priority_support',
          'custom_domain',
          'white_label',
          'dedicated_support',
          'custom_integrations',
        ],
        99.99,
      ],
    ])('GET /tenants/{tenant_id}/features of a %s tenant: its limits, its features and its SLA', async (tier, limits, features, sla) => {
      const reply = await admin.post<CreatedTenant>(T, { name: `Seed ${tier}`, subscription_tier: tier });
      expect(reply.status).toBe(201);
      const answer = await admin.get<{ features: Record<string, boolean> }>(`${T}/${reply.body.tenant.id}/features`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ tenant_id: reply.body.tenant.id, subscription_tier: tier, limits, sla_target_percent: sla });
      expect(
        Object.entries(answer.body.features)
          .filter(([, included]) => included)
          .map(([feature]) => feature),
      ).toEqual(features);
    });

    it("GET /tenants/{tenant_id}/usage: today's API calls against the daily quota (the tenant's calls so far counted)", async () => {
      const tenant = admin.as(created.api_key.key);
      expect((await tenant.get(`${T}/${created.tenant.id}`)).status).toBe(200);
      const usage = await eventually(
        async () => {
          const reply = await tenant.get<{ api_calls: { today: { used: number; limit: number; remaining: number } } }>(
            `${T}/${created.tenant.id}/usage`,
          );
          return reply.status === 200 && reply.body.api_calls.today.used > 0 ? reply : false;
        },
        { timeoutMs: 10_000, intervalMs: 250, description: 'usage of the tenant counted' },
      );
      expect(usage.body).toMatchObject({
        tenant_id: created.tenant.id,
        subscription_tier: 'pro',
        period: { timezone: 'UTC' },
        api_calls: { today: { limit: 10_000 }, month: { used: expect.any(Number) } },
      });
      expect(usage.body.api_calls.today.remaining).toBe(10_000 - usage.body.api_calls.today.used);
    });

    it("POST /tenants/{tenant_id}/upgrade moves the tenant to a higher plan (billing's upgrade, at once)", async () => {
      await trialOf(created.tenant.id);
      const reply = await admin.post<{ kind: string; timing: string; subscription: Subscription }>(`${T}/${created.tenant.id}/upgrade`, {
        subscription_tier: 'enterprise',
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ kind: 'upgrade', timing: 'immediate', subscription: { plan_id: 'enterprise' } });
      await eventually(async () => (await admin.get(`${T}/${created.tenant.id}`)).body['subscription_tier'] === 'enterprise', {
        timeoutMs: 5_000,
        description: 'the tenant on enterprise',
      });
    });
  });

  describe('the observability endpoints', () => {
    let created: CreatedTenant;
    const now = new Date();
    const batch = () => ({
      batch_id: `seed-${created.tenant.id}`,
      tenant_id: created.tenant.id,
      window: { start: new Date(now.getTime() - 10_000).toISOString(), end: now.toISOString() },
      latency_bucket_bounds_ms: [100, 1000],
      samples: [
        {
          service: 'billing',
          route: '/api/v1/monetization/invoices',
          method: 'GET',
          request_count: 10,
          error_count: 1,
          client_error_count: 0,
          latency_ms: { sum: 2000, max: 900, buckets: [5, 5, 0] },
        },
      ],
    });
    beforeAll(async () => {
      [created] = (await createSettledTenants(admin, { name: 'Seed Observed', subscription_tier: 'pro' })) as [CreatedTenant];
    }, 30_000);

    it('POST /metrics/record records a batch of samples (admin): the answer counts them', async () => {
      const reply = await admin.post(`${O}/metrics/record`, batch());
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ batch_id: `seed-${created.tenant.id}`, samples: 1, requests: 10 });
      // Recording is for the platform's admin and services, not for a tenant key.
      expect((await admin.as(created.api_key.key).post(`${O}/metrics/record`, batch())).status).toBe(403);
    });

    it("GET /metrics/tenant/{id}: the tenant's traffic per route, the recorded samples included", async () => {
      const reply = await eventually(
        async () => {
          const answer = await admin.get<{ tenant_id: string; routes: Array<Record<string, unknown>> }>(
            `${O}/metrics/tenant/${created.tenant.id}?window=1h`,
          );
          return answer.status === 200 && answer.body.routes.some((route) => route['route'] === '/api/v1/monetization/invoices')
            ? answer
            : false;
        },
        { timeoutMs: 10_000, intervalMs: 100, description: "the recorded samples in the tenant's metrics" },
      );
      expect(reply.body.tenant_id).toBe(created.tenant.id);
      expect(reply.body.routes).toContainEqual(
        expect.objectContaining({
          service: 'billing',
          route: '/api/v1/monetization/invoices',
          method: 'GET',
          request_count: 10,
          error_count: 1,
        }),
      );
    });

    it('GET /metrics: request count, error rate and latency per service', async () => {
      const reply = await admin.get<{ window: string; services: Array<Record<string, unknown>> }>(`${O}/metrics`);
      expect(reply.status).toBe(200);
      expect(reply.body.window).toBe('1h');
      expect(reply.body.services).toContainEqual(
        expect.objectContaining({
          service: 'billing',
          request_count: expect.any(Number),
          error_count: expect.any(Number),
          avg_latency_ms: expect.any(Number),
          p95_latency_ms: expect.any(Object),
          p99_latency_ms: expect.any(Object),
        }),
      );
    });

    // The probe states live in the shared database (every platform on it probes and records them), so these
    // tests assert what is reported, not that a given service is up at this instant.
    it('GET /health: every service of the platform, each with its probed status and uptime', async () => {
      const reply = await admin.get<{ services: Array<{ service: string; status: string; uptime: Record<string, unknown> }> }>(
        `${O}/health`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body.services.map((service) => service.service).sort()).toEqual([
        'ai-assistant',
        'billing',
        'gateway',
        'observability',
        'tenants',
      ]);
      for (const service of reply.body.services) {
        expect(['up', 'down', 'unknown']).toContain(service.status);
        expect(Object.keys(service.uptime)).toEqual(['1h', '24h', '30d']);
      }
    });

    it.each([
      ['api-gateway', 'gateway'],
      ['tenants', 'tenants'],
      ['billing', 'billing'],
    ])('GET /health/{service}: the health of %s, with its uptime', async (service, name) => {
      const reply = await admin.get<{ status: string; uptime: Record<string, unknown> }>(`${O}/health/${service}`);
      expect(reply.status).toBe(200);
      // `api-gateway` (the seed's name) answers as the platform's `gateway`.
      expect(reply.body).toMatchObject({ service: name, consecutive_failures: expect.any(Number) });
      expect(['up', 'down', 'unknown']).toContain(reply.body.status);
      expect(Object.keys(reply.body.uptime)).toEqual(['1h', '24h', '30d']);
      expect((await admin.get(`${O}/health/no-such-service`)).status).toBe(404);
    });

    it('GET /sla/{service}: the SLA status of a service — its SLOs with objective, SLI, budget and burn rates', async () => {
      const reply = await admin.get<{ service: string; slos: Array<Record<string, unknown>> }>(`${O}/sla/billing`);
      expect(reply.status).toBe(200);
      expect(reply.body.service).toBe('billing');
      expect(reply.body.slos).toEqual([
        expect.objectContaining({
          slo: 'billing-availability',
          objective: 0.999,
          budget: expect.any(Object),
          burn_rates: expect.any(Object),
        }),
        expect.objectContaining({ slo: 'billing-latency', objective: 0.99, budget: expect.any(Object), burn_rates: expect.any(Object) }),
      ]);
    });

    it('GET /sla/report: the monthly SLA report of a pro tenant, 99.9 % objective, the month still open', async () => {
      const month = new Date().toISOString().slice(0, 7);
      // The report is of a calendar month: the platform asks which one (?period=YYYY-MM), where the seed shows none.
      const reply = await eventually(
        async () => {
          const answer = await admin
            .as(created.api_key.key)
            .get<Page<Record<string, unknown>> & { period: string }>(`${O}/sla/report?period=${month}`);
          return answer.status === 200 ? answer : false;
        },
        { timeoutMs: 10_000, intervalMs: 100, description: 'the SLA report of the tenant' },
      );
      expect(reply.body.period).toBe(month);
      expect(reply.body.items).toEqual([
        expect.objectContaining({ tenant_id: created.tenant.id, month, plan_id: 'pro', objective: 0.999, complete: false }),
      ]);
    });

    it('GET /dashboard: traffic per service over the last hour and every service SLO (admin)', async () => {
      const reply = await admin.get<{ window: string; services: unknown[]; slos: Array<{ slo: string }> }>(`${O}/dashboard`);
      expect(reply.status).toBe(200);
      expect(reply.body.window).toBe('1h');
      expect(reply.body.slos.map((slo) => slo.slo)).toEqual(expect.arrayContaining(['gateway-availability', 'billing-availability']));
      // The platform at a glance is the operator's: a tenant key is refused.
      expect((await admin.as(created.api_key.key).get(`${O}/dashboard`)).status).toBe(403);
    });
  });

  describe('the ai-assistant endpoints', () => {
    let tenant: Client;
    let tenantId: string;
    beforeAll(async () => {
      const [created] = (await createSettledTenants(admin, { name: 'Seed Assisted', subscription_tier: 'pro' })) as [CreatedTenant];
      tenant = admin.as(created.api_key.key);
      tenantId = created.tenant.id;
    }, 30_000);

    it('POST /tasks creates a task, POST /tasks/{id}/execute runs it, GET /tasks/{id} shows it finished, GET /tasks lists it', async () => {
      const created = await tenant.post<Task>(`${A}/tasks`, { action: 'analyze_usage', execute: false });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ tenant_id: tenantId, action: 'analyze_usage', status: 'pending' });

      const executed = await tenant.post<Task>(`${A}/tasks/${created.body.id}/execute`);
      expect(executed.status).toBe(202);
      expect(executed.body.id).toBe(created.body.id);
      expect(['queued', 'running', 'succeeded']).toContain(executed.body.status);

      const finished = await eventually(
        async () => {
          // Polled as the admin acting for the tenant: the tenant's own quota stays for the calls under test.
          const reply = await admin.get<Task>(`${A}/tasks/${created.body.id}?tenant_id=${tenantId}`);
          return reply.status === 200 && ['succeeded', 'failed', 'cancelled'].includes(reply.body.status) ? reply : false;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: 'the task finished' },
      );
      expect(finished.body.status).toBe('succeeded');
      expect((await tenant.get<Task>(`${A}/tasks/${created.body.id}`)).body).toMatchObject({ id: created.body.id, status: 'succeeded' });
      expect(finished.body.result).toEqual(expect.any(Object));

      const listed = await tenant.get<Page<Task>>(`${A}/tasks`);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((task) => task.id)).toContain(created.body.id);
    });

    it('GET /capabilities lists the actions the assistant runs, each needing the Pro plan', async () => {
      const reply = await tenant.get<{ actions: Array<{ action: string; required_plan: string; summary: string }> }>(`${A}/capabilities`);
      expect(reply.status).toBe(200);
      expect(reply.body.actions.map((action) => [action.action, action.required_plan])).toEqual([
        ['analyze_usage', 'pro'],
        ['optimize_costs', 'pro'],
        ['predict_churn', 'pro'],
        ['generate_insights', 'pro'],
        ['optimize_performance', 'pro'],
        ['monitor_alerts', 'pro'],
        ['schedule_tasks', 'pro'],
        ['automate_support', 'pro'],
      ]);
    });

    it.each([
      ['analyze', 'analyze_usage'],
      ['optimize-costs', 'optimize_costs'],
    ])('POST /quick-actions/%s answers 200 with the finished %s task', async (path, action) => {
      const reply = await tenant.post<Task>(`${A}/quick-actions/${path}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ tenant_id: tenantId, action, status: 'succeeded', result: expect.any(Object) });
    });
  });

  describe('the monetization endpoints', () => {
    let tenant: Client;
    let tenantId: string;
    let subscription: Subscription;
    beforeAll(async () => {
      const [created] = (await createSettledTenants(admin, { name: 'Seed Billed', subscription_tier: 'pro' })) as [CreatedTenant];
      tenant = admin.as(created.api_key.key);
      tenantId = created.tenant.id;
      await trialOf(tenantId);
    }, 30_000);

    it('GET /plans: each plan with its limits, features, SLA and annual saving (two months free)', async () => {
      const reply = await tenant.get<Page<Record<string, unknown>>>(`${M}/plans`);
      expect(reply.body.items).toEqual([
        expect.objectContaining({
          id: 'basic',
          annual_savings: { cents: 9_800, percent: 16.7 },
          limits: { api_calls_per_day: 1_000, requests_per_minute: 10, users: 5, storage_bytes: 1024 ** 3 },
          features: [],
          sla_target_percent: null,
        }),
        expect.objectContaining({
          id: 'pro',
          annual_savings: { cents: 39_800, percent: 16.7 },
          limits: { api_calls_per_day: 10_000, requests_per_minute: 100, users: 50, storage_bytes: 10 * 1024 ** 3 },
          features: ['ai_assistant', 'advanced_analytics', 'priority_support', 'custom_domain'],
          sla_target_percent: 99.9,
        }),
        expect.objectContaining({
          id: 'enterprise',
          annual_savings: { cents: 199_800, percent: 16.7 },
          limits: { api_calls_per_day: 'unlimited', requests_per_minute: 'unlimited', users: 'unlimited', storage_bytes: 'unlimited' },
          features: expect.arrayContaining(['white_label', 'dedicated_support', 'custom_integrations']),
          sla_target_percent: 99.99,
        }),
      ]);
    });

    it.each([
      ['basic', 4_900, 49_000],
      ['pro', 19_900, 199_000],
      ['enterprise', 99_900, 999_000],
    ])('GET /plans/%s: that plan, €%i cents a month and %i cents a year', async (id, monthly, annual) => {
      const reply = await tenant.get(`${M}/plans/${id}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id, currency: 'EUR', prices: { monthly, annual } });
    });

    it('GET /compare-plans: the plans side by side, one row per price, limit, feature and SLA', async () => {
      const reply = await tenant.get<{ plans: Array<{ id: string }>; rows: Array<{ key: string; values: Record<string, unknown> }> }>(
        `${M}/compare-plans`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body.plans.map((plan) => plan.id)).toEqual(['basic', 'pro', 'enterprise']);
      const row = (key: string) => reply.body.rows.find((candidate) => candidate.key === key)?.values;
      expect(row('price.monthly')).toEqual({ basic: 4_900, pro: 19_900, enterprise: 99_900 });
      expect(row('price.annual')).toEqual({ basic: 49_000, pro: 199_000, enterprise: 999_000 });
      expect(row('limit.requests_per_minute')).toEqual({ basic: 10, pro: 100, enterprise: 'unlimited' });
      expect(row('feature.ai_assistant')).toEqual({ basic: false, pro: true, enterprise: true });
      expect(row('feature.white_label')).toEqual({ basic: false, pro: false, enterprise: true });
      expect(row('sla.target_percent')).toEqual({ basic: null, pro: 99.9, enterprise: 99.99 });
    });

    it('POST /subscribe subscribes the tenant: 201 with the active subscription and its first invoice', async () => {
      const reply = await tenant.post<{ subscription: Subscription; invoice: { total_cents: number; status: string } }>(`${M}/subscribe`, {
        plan_id: 'pro',
        interval: 'annual',
      });
      expect(reply.status).toBe(201);
      expect(reply.body.subscription).toMatchObject({ tenant_id: tenantId, plan_id: 'pro', interval: 'annual', status: 'active' });
      expect(reply.body.invoice).toMatchObject({ total_cents: 199_000, status: 'open' });
      subscription = reply.body.subscription;
    });

    it('GET /subscriptions/{id} answers the subscription', async () => {
      const reply = await tenant.get(`${M}/subscriptions/${subscription.id}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: subscription.id, plan_id: 'pro', interval: 'annual', status: 'active' });
    });

    it('POST /usage-report: calls per day against the quota, and the overage, for the current period', async () => {
      const reply = await tenant.post<{ days: Array<{ quota: number }> }>(`${M}/usage-report`, {});
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        tenant_id: tenantId,
        plan_id: 'pro',
        totals: { calls: expect.any(Number) },
        overage: expect.any(Object),
      });
      expect(reply.body.days.at(-1)?.quota).toBe(10_000);
    });

    it('POST /subscriptions/{id}/cancel cancels it at the period end (withdrawable until then)', async () => {
      const reply = await tenant.post<{ subscription: Subscription; credit_note: null }>(`${M}/subscriptions/${subscription.id}/cancel`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        subscription: { id: subscription.id, status: 'active', pending_change: { kind: 'cancellation' } },
        credit_note: null,
      });
    });
  });
});
