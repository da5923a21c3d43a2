import { describeWithInfra, eventually } from '@tenantry/testing';
import { createTenant, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const M = '/api/v1/monetization';
/** MISSION: the gateway applies a plan change within a second of the billing event. */
const WITHIN_A_SECOND = { timeoutMs: 1_000, intervalMs: 25 };

interface Subscription {
  id: string;
  plan_id: string;
  status: string;
}

/**
 * Billing through the gateway on real Kafka, FerretDB and Redis: a tenant's plan change reaches the
 * gateway's limits and feature gates and the tenants service within a second, the public catalog needs no
 * key, and the invoice of a paid subscription is there with its lines.
 */
describeWithInfra('billing through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));

  /** The tenant's trial subscription, opened by billing from tenant.created (polled as the admin, whose calls no quota counts). */
  async function trialOf(tenantId: string): Promise<Subscription> {
    return eventually(
      async () => {
        const reply = await admin.get<{ items: Subscription[] }>(`${M}/subscriptions?tenant_id=${tenantId}`);
        return reply.status === 200 && reply.body.items[0] ? reply.body.items[0] : false;
      },
      { timeoutMs: 15_000, description: `the trial of ${tenantId}` },
    );
  }

  it('serves the public catalog without a key', async () => {
    const anonymous = admin.as(undefined);
    const plans = await anonymous.get<{ items: Array<{ id: string; prices: { monthly: number } }> }>(`${M}/plans`);
    expect(plans.status).toBe(200);
    expect(plans.body.items.map((plan) => [plan.id, plan.prices.monthly])).toEqual([
      ['basic', 4900],
      ['pro', 19900],
      ['enterprise', 99900],
    ]);
    expect((await anonymous.get(`${M}/compare-plans`)).status).toBe(200);
    // Everything else in billing still needs a key.
    expect((await anonymous.get(`${M}/invoices`)).status).toBe(401);

    // The API descriptions (OpenAPI 3.1, from the routes' zod schemas) are public too.
    const [billingApi, tenantsApi] = await Promise.all([
      anonymous.get<{ openapi: string; paths: Record<string, unknown> }>(`${M}/openapi.json`),
      anonymous.get<{ openapi: string; paths: Record<string, unknown> }>('/api/v1/tenants/openapi.json'),
    ]);
    expect([billingApi.status, billingApi.body.openapi, tenantsApi.status, tenantsApi.body.openapi]).toEqual([200, '3.1.0', 200, '3.1.0']);
    expect(Object.keys(billingApi.body.paths)).toContain(`${M}/subscriptions/{subscription_id}/change`);
    expect(Object.keys(tenantsApi.body.paths)).toContain('/api/v1/tenants/{tenant_id}/api-keys/{key_id}/rotate');
  });

  it('when a basic tenant upgrades to pro, then within a second the gateway applies pro limits and opens the AI assistant', async () => {
    const { tenant, api_key: apiKey } = await createTenant(admin);
    const client = admin.as(apiKey.key);
    const trial = await trialOf(tenant.id);
    expect(trial).toMatchObject({ plan_id: 'basic', status: 'trialing' });

    // Basic: the AI assistant is refused by name of the plan that unlocks it; 10 requests a minute.
    const gated = await client.get('/api/v1/ai-assistant/capabilities');
    expect(gated.status).toBe(403);
    expect(gated.body).toMatchObject({ required_plan: 'pro' });
    const before = await client.get(`/api/v1/tenants/${tenant.id}/features`);
    expect(before.headers.get('ratelimit-policy')).toContain('q=10;');

    const upgraded = await client.post<{ kind: string; subscription: Subscription }>(`${M}/subscriptions/${trial.id}/change`, {
      plan_id: 'pro',
    });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ kind: 'upgrade', subscription: { plan_id: 'pro' } });

    // The gated route now reaches the AI assistant service (which answers 200 now) and the
    // limits are pro's — within a second, with no restart.
    await eventually(async () => (await client.get('/api/v1/ai-assistant/capabilities')).status === 200, {
      ...WITHIN_A_SECOND,
      description: 'the AI assistant open',
    });
    await eventually(async () => (await admin.get(`/api/v1/tenants/${tenant.id}`)).body['subscription_tier'] === 'pro', {
      ...WITHIN_A_SECOND,
      description: 'the tenants service on pro',
    });
    const after = await client.get<{ subscription_tier: string; features: Record<string, boolean> }>(
      `/api/v1/tenants/${tenant.id}/features`,
    );
    expect(after.headers.get('ratelimit-policy')).toContain('q=100;');
    expect(after.body).toMatchObject({ subscription_tier: 'pro', features: { ai_assistant: true } });
  });

  it('when a paid subscription starts, then its invoice is issued with its lines, and a downgrade through the tenants API closes the gate again', async () => {
    const { tenant, api_key: apiKey } = await createTenant(admin, { subscription_tier: 'pro' });
    const client = admin.as(apiKey.key);
    await trialOf(tenant.id);

    const subscribed = await client.post<{
      subscription: Subscription;
      invoice: { id: string; total_cents: number; lines: Array<{ amount_cents: number }> };
    }>(`${M}/subscribe`, {
      plan_id: 'pro',
      interval: 'annual',
    });
    expect(subscribed.status).toBe(201);
    expect(subscribed.body.invoice).toMatchObject({ total_cents: 199000, document_type: 'invoice', reason: 'trial_conversion' });
    const invoice = await client.get<{ id: string; lines: Array<{ kind: string; amount_cents: number }> }>(
      `${M}/invoices/${subscribed.body.invoice.id}`,
    );
    expect(invoice.status).toBe(200);
    expect(invoice.body.lines).toEqual([expect.objectContaining({ kind: 'subscription', amount_cents: 199000 })]);
    await eventually(async () => (await client.get('/api/v1/ai-assistant/capabilities')).status === 200, { timeoutMs: 5_000 });

    // The tenants service's /upgrade delegates to billing: an immediate downgrade to basic with a credit note.
    const downgraded = await client.post<{ kind: string; invoice: { document_type: string; total_cents: number } }>(
      `/api/v1/tenants/${tenant.id}/upgrade`,
      {
        subscription_tier: 'basic',
        billing_interval: 'annual',
        timing: 'immediate',
      },
    );
    expect(downgraded.status).toBe(200);
    expect(downgraded.body).toMatchObject({ kind: 'downgrade', invoice: { document_type: 'credit_note' } });
    expect(downgraded.body.invoice.total_cents).toBeLessThan(0);
    await eventually(async () => (await client.get('/api/v1/ai-assistant/capabilities')).status === 403, {
      ...WITHIN_A_SECOND,
      description: 'the AI assistant closed again',
    });

    const invoices = await client.get<{ items: Array<{ number: string }> }>(`${M}/invoices`);
    expect(invoices.body.items.map((item) => item.number.slice(-4))).toEqual(['0002', '0001']);
  });

  it('when a newcomer follows the README billing walkthrough, then every step answers as written', async () => {
    const anonymous = admin.as(undefined);
    expect((await anonymous.get(`${M}/plans`)).status).toBe(200);
    expect((await anonymous.get(`${M}/compare-plans`)).status).toBe(200);

    const { tenant, api_key: apiKey } = await createTenant(admin, { name: 'Globex' });
    const client = admin.as(apiKey.key);
    const sub = await trialOf(tenant.id);
    expect((await client.get<{ items: Subscription[] }>(`${M}/subscriptions`)).body.items[0]).toMatchObject({
      id: sub.id,
      plan_id: 'basic',
      status: 'trialing',
    });

    const subscribed = await client.post<{ invoice: { total_cents: number } }>(`${M}/subscribe`, { plan_id: 'basic', interval: 'monthly' });
    expect(subscribed.status).toBe(201);
    expect(subscribed.body.invoice.total_cents).toBe(4900);
    const preview = await client.post<{
      preview: boolean;
      kind: string;
      timing: string;
      invoice: { id: null; status: string; lines: Array<{ amount_cents: number }>; total_cents: number };
    }>(`${M}/subscriptions/${sub.id}/change?preview=true`, { plan_id: 'pro' });
    expect(preview.body).toMatchObject({ preview: true, kind: 'upgrade', timing: 'immediate', invoice: { id: null, status: 'draft' } });
    // Seconds after the period started almost all of it is left: a credit of about 4900, a charge of about 19900.
    const [credit, charge] = preview.body.invoice.lines.map((line) => line.amount_cents);
    expect(credit).toBeLessThan(0);
    expect(charge).toBeGreaterThan(0);
    expect(preview.body.invoice.total_cents).toBe((credit ?? 0) + (charge ?? 0));

    expect((await client.post(`${M}/subscriptions/${sub.id}/change`, { plan_id: 'pro' })).status).toBe(200);
    await eventually(async () => (await client.get('/api/v1/ai-assistant/tasks')).status === 200, {
      ...WITHIN_A_SECOND,
      description: 'the AI assistant open',
    });
    const features = await client.get(`/api/v1/tenants/${tenant.id}/features`);
    expect(features.headers.get('ratelimit-policy')).toBe('"minute";q=100;w=60, "day";q=10000;w=86400');

    const invoices = await client.get<{
      items: Array<{ number: string; total_cents: number; subtotal_cents: number; lines: Array<{ amount_cents: number }> }>;
    }>(`${M}/invoices`);
    expect(invoices.body.items.map((invoice) => invoice.number.slice(-4))).toEqual(['0002', '0001']);
    for (const invoice of invoices.body.items)
      expect(invoice.lines.reduce((sum, line) => sum + line.amount_cents, 0)).toBe(invoice.subtotal_cents);
    const newest = invoices.body.items[0] as { id?: string } | undefined;
    const marked = await admin.post(`${M}/invoices/${String(newest?.id)}/mark-paid`, { reference: 'SEPA 4411' });
    expect(marked.body).toMatchObject({ status: 'paid', paid_at: expect.any(String), payment_reference: 'SEPA 4411' });
    const next = await client.get<{ ends_there: boolean; invoice: { id: null; status: string; reason: string; total_cents: number } }>(
      `${M}/subscriptions/${sub.id}/upcoming-invoice`,
    );
    expect(next.body).toMatchObject({ ends_there: false, invoice: { id: null, status: 'draft', reason: 'renewal', total_cents: 19_900 } });
    const report = await client.post<{ plan_id: string; days: Array<{ quota: number }> }>(`${M}/usage-report`, {});
    expect(report.status).toBe(200);
    expect(report.body.plan_id).toBe('pro');
    expect(report.body.days.at(-1)?.quota).toBe(10_000);

    const downgrade = await client.post(`${M}/subscriptions/${sub.id}/change`, { plan_id: 'basic' });
    expect(downgrade.body).toMatchObject({
      kind: 'downgrade',
      timing: 'period_end',
      subscription: { plan_id: 'pro', pending_change: { kind: 'downgrade', plan_id: 'basic' } },
    });
    const withdrawn = await client.delete(`${M}/subscriptions/${sub.id}/pending-change`);
    expect(withdrawn).toMatchObject({ status: 200, body: { subscription: { plan_id: 'pro', pending_change: null } } });
    expect((await client.get(`${M}/subscriptions/${sub.id}`)).body).toMatchObject({ plan_id: 'pro', pending_change: null });
  });
});
