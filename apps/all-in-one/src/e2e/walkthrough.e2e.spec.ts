import { describeWithInfra, eventually } from '@tenantry/testing';
import { type ApiResponse, gatewayPlansApplied, realInfraEnv, untilGatewayPlansApplied, usePlatform } from '../test-support/e2e-harness';

const M = '/api/v1/monetization';

interface Created {
  tenant: { id: string; name: string; status: string; subscription_tier: string };
  api_key: { key: string };
}
interface Subscription {
  id: string;
  plan_id: string;
  interval: string;
  status: string;
  trial_ends_at: string | null;
  pending_change: { kind: string; plan_id: string } | null;
}
interface Invoice {
  id: string | null;
  number: string | null;
  reason: string;
  status: string;
  lines: Array<{ amount_cents: number }>;
  subtotal_cents: number;
  total_cents: number;
}

/** The `minute` policy's remaining count in a `RateLimit` header (`"minute";r=9;t=58, "day";r=999;t=55438`). */
function minuteRemaining(response: ApiResponse<unknown>): number {
  const match = /"minute";r=(\d+);t=\d+/.exec(response.headers.get('ratelimit') ?? '');
  return match ? Number(match[1]) : Number.NaN;
}

/** The README's two walkthroughs, step by step, with their exact requests, through the gateway on real Kafka, FerretDB and Redis. */
describeWithInfra('README walkthroughs through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // The quick analysis waits for its task before answering (202 after ASSISTANT_QUICK_WAIT, 3 s by default):
  // long enough here that a busy test machine still sees the 200 a reader sees.
  const { admin } = usePlatform(() => realInfraEnv(infra, { ASSISTANT_QUICK_WAIT: '20s' }));

  /** Steps 1–4 of "a tenant through the gateway": what each answered, and the minute counts of the rate-limited ones. */
  async function stepsOneToFour() {
    // 1. Create a tenant (admin): the tenant and its first API key, shown once.
    const plansAppliedBefore = await gatewayPlansApplied(admin);
    const created = await admin.post<Created>('/api/v1/tenants', {
      name: 'Acme Corp',
      timezone: 'Europe/Ljubljana',
      metadata: { industry: 'fintech' },
    });
    const tenantId = created.body.tenant.id;
    const key = created.body.api_key.key;
    const tenant = admin.as(key);
    // A reader takes longer than this to reach step 2: by then billing's subscription.created (which
    // purges the tenant's cached responses) has reached the gateway. The test waits for it likewise.
    await untilGatewayPlansApplied(admin, plansAppliedBefore + 1);

    // 2. The tenant's key: the first read is a MISS, the second a HIT.
    const first = await tenant.get(`/api/v1/tenants/${tenantId}`);
    const second = await tenant.get(`/api/v1/tenants/${tenantId}`);
    // 3. What the plan allows, what was used today; the assistant is not in the Basic plan.
    const features = await tenant.get(`/api/v1/tenants/${tenantId}/features`);
    const usage = await tenant.get<{ api_calls: { today: { used: number; remaining: number } } }>(`/api/v1/tenants/${tenantId}/usage`);
    const assistant = await tenant.get('/api/v1/ai-assistant/tasks');
    // 4. Ten more reads.
    const loop: Array<ApiResponse<unknown>> = [];
    for (let i = 0; i < 10; i += 1) loop.push(await tenant.get(`/api/v1/tenants/${tenantId}`));

    // The minute is the clock minute (the README says so): the output it shows is for steps 2–4 within one
    // minute, which the counts tell — 9, 8, 7 … 0 on the answers let through, with no fresh minute between.
    const counted = [first, second, features, usage, ...loop].filter((response) => response.status === 200).map(minuteRemaining);
    const withinOneMinute = counted.every((remaining, i) => remaining === 9 - i);
    return { created, tenantId, key, first, second, features, usage, assistant, loop, withinOneMinute };
  }

  it('when a newcomer follows "a tenant through the gateway", then every step answers as written', async () => {
    // Should the clock minute turn during steps 2–4 (a new count starts, as the README says), a reader would
    // see other numbers in step 4: the steps are followed again with a new tenant, which cannot happen twice.
    let run = await stepsOneToFour();
    if (!run.withinOneMinute) run = await stepsOneToFour();
    const { created, tenantId, key, first, second, features, usage, assistant, loop } = run;
    expect(run.withinOneMinute).toBe(true);

    // 1. → 201 {"tenant":{"id":"ten_…","status":"trial","subscription_tier":"basic",…},"api_key":{"key":"tnt_…_…",…}}
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ status: 'trial', subscription_tier: 'basic' });
    expect(tenantId).toMatch(/^ten_/);
    expect(key).toMatch(/^tnt_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);

    // 2. X-Cache-Status MISS, then HIT; the rate-limit headers on both, computed fresh on the hit.
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: tenantId, name: 'Acme Corp' });
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=10;w=60, "day";q=1000;w=86400');
    expect(first.headers.get('ratelimit')).toMatch(/^"minute";r=9;t=\d+, "day";r=999;t=\d+$/);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('ratelimit')).toMatch(/^"minute";r=8;t=\d+, "day";r=998;t=\d+$/);

    // 3. The plan's features and limits; today's usage against the quota; the assistant refused naming Pro.
    expect(features.status).toBe(200);
    expect(features.body).toMatchObject({
      tenant_id: tenantId,
      subscription_tier: 'basic',
      features: { ai_assistant: false },
      limits: { api_calls_per_day: 1000, requests_per_minute: 10, users: 5, storage_bytes: 1073741824 },
      sla_target_percent: null,
    });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({
      tenant_id: tenantId,
      subscription_tier: 'basic',
      period: { day: expect.any(String), month: expect.any(String), timezone: 'Europe/Ljubljana' },
      api_calls: { today: { used: expect.any(Number), limit: 1000 }, month: { used: expect.any(Number) } },
      users: { used: null, limit: 5 },
    });
    expect(usage.body.api_calls.today.remaining).toBe(1000 - usage.body.api_calls.today.used);
    expect(assistant.status).toBe(403);
    expect(assistant.headers.get('content-type')).toContain('application/problem+json');
    expect(assistant.body).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      detail: 'The Basic plan does not include ai_assistant; the Pro plan does.',
      feature: 'ai_assistant',
      current_plan: 'basic',
      required_plan: 'pro',
    });

    // 4. 200 200 200 200 200 200 429 429 429 429: a 429 problem with Retry-After.
    expect(loop.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = loop[6];
    expect(refused?.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // 5. Keys: issue another (201, the key in this answer only), list them masked, revoke it: refused from then on.
    const issued = await admin.post<{ id: string; key: string }>(`/api/v1/tenants/${tenantId}/api-keys`, { name: 'ci' });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ tenant_id: tenantId, name: 'ci', prefix: expect.stringMatching(/^tnt_/), scopes: [] });
    expect(issued.body.key).toMatch(/^tnt_[a-z0-9]{16}_/);
    expect(issued.body).toMatchObject({ masked_key: expect.stringMatching(new RegExp(`^tnt_[a-z0-9]{16}…${issued.body.key.slice(-4)}$`)) });
    const listed = await admin.get<{ items: Array<Record<string, unknown>>; next_cursor: null }>(`/api/v1/tenants/${tenantId}/api-keys`);
    expect(listed.status).toBe(200);
    expect(listed.body.next_cursor).toBeNull();
    expect(listed.body.items.map((item) => item['name']).sort()).toEqual(['ci', 'default']);
    for (const item of listed.body.items) {
      expect(item).toMatchObject({ masked_key: expect.stringMatching(/^tnt_[a-z0-9]{16}….{4}$/), revoked_at: null });
      expect(item).not.toHaveProperty('key');
    }
    const revoked = await admin.delete(`/api/v1/tenants/${tenantId}/api-keys/${issued.body.id}`);
    expect(revoked.status).toBe(204);
    const refusedKey = await eventually(
      async () => {
        const response = await admin.as(issued.body.key).get(`/api/v1/tenants/${tenantId}`);
        return response.status === 401 ? response : false;
      },
      { timeoutMs: 5_000, description: 'the revoked key to be refused' },
    );
    expect(refusedKey.body).toMatchObject({ type: 'https://tenantry.dev/problems/unauthorized' });

    // 6. Suspend the tenant (admin): its keys get 403 problems from then on.
    const suspended = await admin.post(`/api/v1/tenants/${tenantId}/status`, { status: 'suspended', reason: 'unpaid invoice' });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', status_reason: 'unpaid invoice' });
    const refusedAfterSuspension = await eventually(
      async () => {
        const response = await admin.as(key).get(`/api/v1/tenants/${tenantId}`);
        return response.status === 403 ? response : false;
      },
      { timeoutMs: 5_000, description: 'the suspended tenant to be refused' },
    );
    expect(refusedAfterSuspension.body).toMatchObject({
      status: 403,
      type: 'https://tenantry.dev/problems/forbidden',
      detail: expect.stringMatching(new RegExp(`^Tenant ${tenantId} is suspended; `)),
    });
  });

  it('when a newcomer follows "plans, an upgrade and its invoice", then every step answers as written', async () => {
    // 1. The public catalog, no key.
    const anonymous = admin.as(undefined);
    const plans = await anonymous.get<{ items: Array<Record<string, unknown>> }>(`${M}/plans`);
    expect(plans.status).toBe(200);
    expect(plans.body.items).toEqual([
      expect.objectContaining({
        id: 'basic',
        name: 'Basic',
        currency: 'EUR',
        prices: { monthly: 4900, annual: 49000 },
        annual_savings: { cents: 9800, percent: 16.7 },
      }),
      expect.objectContaining({ id: 'pro' }),
      expect.objectContaining({ id: 'enterprise' }),
    ]);
    const compared = await anonymous.get<{ currency: string; plans: Array<{ id: string }>; rows: unknown[] }>(`${M}/compare-plans`);
    expect(compared.status).toBe(200);
    expect(compared.body.currency).toBe('EUR');
    expect(compared.body.plans.map((plan) => plan.id)).toEqual(['basic', 'pro', 'enterprise']);
    expect(compared.body.rows[0]).toEqual({
      key: 'price.monthly',
      label: 'Monthly price (cents)',
      kind: 'price',
      values: { basic: 4900, pro: 19900, enterprise: 99900 },
    });

    // 2. A new tenant (basic) gets a 14-day trial subscription from billing.
    const created = await admin.post<Created>('/api/v1/tenants', { name: 'Globex' });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ name: 'Globex', status: 'trial', subscription_tier: 'basic' });
    const tenantId = created.body.tenant.id;
    const tenant = admin.as(created.body.api_key.key);
    // The trial arrives by event (tenant.created → billing): a reader is slower than that; the test polls as
    // the admin, whose calls no quota counts (the tenant's basic plan allows 10 a minute).
    await eventually(
      async () => ((await admin.get<{ items: unknown[] }>(`${M}/subscriptions?tenant_id=${tenantId}`)).body.items?.length ?? 0) > 0,
      { timeoutMs: 15_000, description: 'the trial subscription' },
    );
    const subscriptions = await tenant.get<{ items: Subscription[] }>(`${M}/subscriptions`);
    expect(subscriptions.status).toBe(200);
    const trial = subscriptions.body.items[0];
    expect(trial).toMatchObject({
      id: expect.stringMatching(/^sub_/),
      plan_id: 'basic',
      status: 'trialing',
      trial_ends_at: expect.any(String),
    });
    const sub = String(trial?.id);

    // 3. Subscribe now (the trial ends, the first period is invoiced at once), then preview an upgrade.
    const subscribed = await tenant.post<{ subscription: Subscription; invoice: Invoice }>(`${M}/subscribe`, {
      plan_id: 'basic',
      interval: 'monthly',
    });
    expect(subscribed.status).toBe(201);
    expect(subscribed.body.subscription).toMatchObject({ id: sub, plan_id: 'basic', interval: 'monthly', status: 'active' });
    expect(subscribed.body.invoice).toMatchObject({ reason: 'trial_conversion', status: 'open', total_cents: 4900 });
    const preview = await tenant.post<{ invoice: Invoice }>(`${M}/subscriptions/${sub}/change?preview=true`, { plan_id: 'pro' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ preview: true, kind: 'upgrade', timing: 'immediate', invoice: { id: null, status: 'draft' } });
    // A credit for the unused basic time, a charge for pro.
    const [credit, charge] = preview.body.invoice.lines.map((line) => line.amount_cents);
    expect(credit).toBeLessThan(0);
    expect(charge).toBeGreaterThan(0);

    // 4. Upgrade: the gateway applies pro's limits and opens the AI assistant, no restart.
    const upgraded = await tenant.post(`${M}/subscriptions/${sub}/change`, { plan_id: 'pro' });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({
      preview: false,
      kind: 'upgrade',
      timing: 'immediate',
      subscription: { plan_id: 'pro' },
      invoice: { id: expect.stringMatching(/^in_/), reason: 'plan_change', status: 'open', lines: expect.any(Array) },
    });
    const features = await eventually(
      async () => {
        const response = await tenant.get(`/api/v1/tenants/${tenantId}/features`);
        return response.headers.get('ratelimit-policy')?.includes('q=100;') ? response : false;
      },
      { timeoutMs: 5_000, intervalMs: 100, description: "the gateway on pro's limits" },
    );
    expect(features.headers.get('ratelimit-policy')).toBe('"minute";q=100;w=60, "day";q=10000;w=86400');
    const analysis = await tenant.post('/api/v1/ai-assistant/quick-actions/analyze');
    expect(analysis.status).toBe(200);
    expect(analysis.body).toMatchObject({
      action: 'analyze_usage',
      status: 'succeeded',
      result: { trend: expect.any(Object), anomalies: expect.any(Array), quota_pressure: expect.anything() },
    });

    // 5. Invoices (numbered per tenant, lines that add up), the draft of the next one, the payment, the usage report.
    const invoices = await tenant.get<{ items: Invoice[]; next_cursor: null }>(`${M}/invoices`);
    expect(invoices.status).toBe(200);
    expect(invoices.body.next_cursor).toBeNull();
    expect(invoices.body.items.map((invoice) => [invoice.number?.slice(-4), invoice.reason])).toEqual([
      ['0002', 'plan_change'],
      ['0001', 'trial_conversion'],
    ]);
    for (const invoice of invoices.body.items) {
      expect(invoice.id).toMatch(/^in_/);
      expect(invoice.lines.reduce((sum, line) => sum + line.amount_cents, 0)).toBe(invoice.subtotal_cents);
    }
    const upcoming = await tenant.get(`${M}/subscriptions/${sub}/upcoming-invoice`);
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({
      at: expect.any(String),
      ends_there: false,
      invoice: { id: null, status: 'draft', reason: 'renewal', lines: expect.any(Array) },
    });
    const invoice = String(invoices.body.items[0]?.id);
    const paid = await admin.post(`${M}/invoices/${invoice}/mark-paid`, { reference: 'SEPA 4411' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ id: invoice, status: 'paid', paid_at: expect.any(String), payment_reference: 'SEPA 4411' });
    const report = await tenant.post<{ days: unknown[] }>(`${M}/usage-report`, {});
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      tenant_id: tenantId,
      plan_id: 'pro',
      timezone: 'UTC',
      from: expect.any(String),
      to: expect.any(String),
      totals: expect.any(Object),
      overage: { calls: 0, amount_cents: 0 },
    });
    expect(report.body.days.at(-1)).toMatchObject({ date: expect.any(String), calls: expect.any(Number), quota: 10000, overage_calls: 0 });

    // 6. A downgrade waits for the period end; until then it can be withdrawn.
    const downgrade = await tenant.post(`${M}/subscriptions/${sub}/change`, { plan_id: 'basic' });
    expect(downgrade.status).toBe(200);
    expect(downgrade.body).toMatchObject({
      kind: 'downgrade',
      timing: 'period_end',
      subscription: { plan_id: 'pro', pending_change: { kind: 'downgrade', plan_id: 'basic' } },
    });
    const withdrawn = await tenant.delete(`${M}/subscriptions/${sub}/pending-change`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ subscription: { plan_id: 'pro', pending_change: null } });
  });
});
