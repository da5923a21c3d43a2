import { subscriptionChangeResultSchema } from '@tenantry/contracts';
import { ADMIN, startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';

describe('POST /api/v1/tenants/:tenantId/upgrade (a plan change, made by billing)', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.billing.answerChangesWith('default'));

  const upgrade = (
    tenantId: string,
    body: unknown,
    options: { query?: string; headers?: Record<string, string>; as?: 'admin' | 'tenant' } = {},
  ) =>
    h.call(options.as === 'admin' ? ADMIN : tenantKey(tenantId), 'POST', `/api/v1/tenants/${tenantId}/upgrade${options.query ?? ''}`, {
      body,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  const billingCallsFor = (tenantId: string) => h.billing.requests.filter((request) => request.tenantId === tenantId);

  it("when a tenant asks for a plan, then billing gets the change signed as the tenants service, and the tenant gets billing's answer", async () => {
    const { tenant } = await h.createTenant();
    const reply = await upgrade(tenant.id, { subscription_tier: 'pro', billing_interval: 'annual' });
    expect(reply.status).toBe(200);
    expect(subscriptionChangeResultSchema.parse(reply.body)).toMatchObject({
      preview: false,
      subscription: { tenant_id: tenant.id, plan_id: 'pro', interval: 'annual' },
    });
    expect(billingCallsFor(tenant.id)).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: `/internal/v1/tenants/${tenant.id}/subscription/change`,
        body: { plan_id: 'pro', interval: 'annual' },
        identity: { role: 'service', service: 'tenants' },
      }),
    ]);
  });

  it('when a downgrade names its timing, then billing gets it; without an interval, billing keeps the current one', async () => {
    const { tenant } = await h.createTenant({ subscription_tier: 'pro' });
    await upgrade(tenant.id, { subscription_tier: 'basic', timing: 'immediate' }, { as: 'admin' });
    expect(billingCallsFor(tenant.id).map((request) => request.body)).toEqual([{ plan_id: 'basic', timing: 'immediate' }]);
  });

  it('when the change is only previewed, then billing is asked for a preview', async () => {
    const { tenant } = await h.createTenant();
    const reply = await upgrade(tenant.id, { subscription_tier: 'enterprise' }, { query: '?preview=true' });
    expect(reply.body).toMatchObject({ preview: true });
    expect(billingCallsFor(tenant.id).map((request) => [request.url, request.query])).toEqual([
      [`/internal/v1/tenants/${tenant.id}/subscription/change?preview=true`, { preview: 'true' }],
    ]);
  });

  it("when billing refuses the change with a problem, then the tenant gets that problem: billing's status, type, detail and members", async () => {
    const { tenant } = await h.createTenant();
    const problem = {
      type: 'https://tenantry.dev/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'The subscription is already on pro (monthly).',
      plan_id: 'pro',
      instance: `/internal/v1/tenants/${tenant.id}/subscription/change`,
    };
    h.billing.answerChangesWith({ status: 409, body: problem });
    const reply = await upgrade(tenant.id, { subscription_tier: 'pro' });
    expect(reply.status).toBe(409);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ type: problem.type, title: 'Conflict', status: 409, detail: problem.detail, plan_id: 'pro' });
    // The client's own request, not billing's internal path.
    expect(reply.body).toMatchObject({ instance: `/api/v1/tenants/${tenant.id}/upgrade` });
  });

  it.each([
    ['a 2xx body that is not a change result', { status: 200, body: { ok: true } }],
    ['an error that is not a problem document', { rawBody: '<html>Bad gateway</html>', status: 502, contentType: 'text/html' }],
    [
      '401 (billing did not accept this service’s signature)',
      {
        status: 401,
        body: { type: 'https://tenantry.dev/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'bad signature' },
      },
    ],
  ] as const)('when billing answers %s, then 503 problem', async (_case, behaviour) => {
    const { tenant } = await h.createTenant();
    h.billing.answerChangesWith(behaviour);
    const reply = await upgrade(tenant.id, { subscription_tier: 'pro' });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({
      type: 'https://tenantry.dev/problems/service-unavailable',
      detail: expect.stringContaining('billing'),
    });
  });

  it('when the same change is retried with its Idempotency-Key, then billing is asked once and the first answer is replayed', async () => {
    const { tenant } = await h.createTenant();
    const headers = { 'idempotency-key': 'upgrade-once' };
    const first = await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers });
    const second = await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(billingCallsFor(tenant.id)).toHaveLength(1);
  });

  it('when a preview and then the change itself are sent with the same Idempotency-Key, then the change is not answered with the preview', async () => {
    const { tenant } = await h.createTenant();
    const headers = { 'idempotency-key': 'preview-then-change' };
    await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers, query: '?preview=true' });
    const change = await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers });
    expect(change.body).toMatchObject({ preview: false });
    expect(billingCallsFor(tenant.id)).toHaveLength(2);
  });

  it('when billing answers 5xx, then a retry with the same Idempotency-Key asks billing again', async () => {
    const { tenant } = await h.createTenant();
    const headers = { 'idempotency-key': 'upgrade-after-outage' };
    h.billing.answerChangesWith({
      status: 503,
      body: { type: 'https://tenantry.dev/problems/service-unavailable', title: 'Service unavailable', status: 503, detail: 'db down' },
    });
    expect((await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers })).status).toBe(503);
    h.billing.answerChangesWith('default');
    expect((await upgrade(tenant.id, { subscription_tier: 'pro' }, { headers })).status).toBe(200);
    expect(billingCallsFor(tenant.id)).toHaveLength(2);
  });

  it.each([
    ['an unknown tier', { subscription_tier: 'platinum' }, '', 'subscription_tier'],
    ['an unknown timing', { subscription_tier: 'pro', timing: 'tomorrow' }, '', 'timing'],
    ['an unknown field', { subscription_tier: 'pro', coupon: 'FREE' }, '', 'coupon'],
    ['a camelCase field', { subscription_tier: 'pro', billingInterval: 'annual' }, '', 'billingInterval'],
    ['a preview that is not true or false', { subscription_tier: 'pro' }, '?preview=yes', 'query.preview'],
  ])('when the request has %s, then 400 names it and billing is not asked', async (_case, body, query, field) => {
    const { tenant } = await h.createTenant();
    const reply = await upgrade(tenant.id, body, { query });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: [expect.objectContaining({ field })] });
    expect(billingCallsFor(tenant.id)).toHaveLength(0);
  });

  it("when the tenant does not exist or is another tenant's, then 404 and billing is not asked", async () => {
    const { tenant } = await h.createTenant();
    const other = await h.createTenant();
    expect((await upgrade('ten_missing', { subscription_tier: 'pro' }, { as: 'admin' })).status).toBe(404);
    const reply = await h.call(tenantKey(other.tenant.id), 'POST', `/api/v1/tenants/${tenant.id}/upgrade`, {
      body: { subscription_tier: 'pro' },
    });
    expect(reply.status).toBe(404);
    expect(billingCallsFor(tenant.id)).toHaveLength(0);
    expect(billingCallsFor('ten_missing')).toHaveLength(0);
  });
});

describe('POST /upgrade when billing cannot be reached', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    h = await startTenantsHarness({ billingUrl: 'http://127.0.0.1:1' });
  });
  afterAll(() => h.close());

  it('when billing is down, then 503 problem and the tier stays', async () => {
    const { tenant } = await h.createTenant();
    const reply = await h.call(tenantKey(tenant.id), 'POST', `/api/v1/tenants/${tenant.id}/upgrade`, {
      body: { subscription_tier: 'pro' },
    });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({
      type: 'https://tenantry.dev/problems/service-unavailable',
      detail: expect.stringContaining('billing service did not answer'),
    });
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toMatchObject({ subscription_tier: 'basic' });
  });
});
