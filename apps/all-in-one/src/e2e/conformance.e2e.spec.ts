import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { type ApiResponse, type Client, createTenant, realInfraEnv, usePlatform } from '../test-support/e2e-harness';
import { OpenApiConformance, type OpenApiDocument } from '../test-support/openapi-conformance';

const T = '/api/v1/tenants';
const M = '/api/v1/monetization';

/**
 * Every answer the API gives through the gateway — successes and problems — validates against the
 * gateway's merged OpenAPI document (JSON Schema 2020-12): the document is the contract a client
 * generates its code from, so an undocumented member or status is a bug.
 */
describeWithInfra('answers conform to the OpenAPI document', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));
  let contract: OpenApiConformance;

  beforeAll(async () => {
    const document = await admin.as(undefined).get<OpenApiDocument>('/openapi.json');
    expect(document.status).toBe(200);
    contract = new OpenApiConformance(document.body);
  });

  /** Sends the request and expects its answer to have `status` and to conform to the document. */
  async function conforming<B = Record<string, unknown>>(
    client: Client,
    method: string,
    path: string,
    status: number,
    body?: unknown,
  ): Promise<ApiResponse<B>> {
    const response = await client.send<B>(method, path, body);
    const where = `${method} ${path} → ${response.status}`;
    expect({ where, status: response.status }).toEqual({ where, status });
    expect({
      where,
      problems: contract.problemsOf(method, path, response.status, response.headers.get('content-type'), response.body),
    }).toEqual({ where, problems: [] });
    return response;
  }

  it('when a tenant is created, read, and its features, usage and keys are used, then every answer conforms', async () => {
    const created = await conforming<{ tenant: { id: string }; api_key: { id: string; key: string } }>(admin, 'POST', T, 201, {
      name: uniqueName('Conformance'),
      timezone: 'Europe/Ljubljana',
      metadata: { industry: 'fintech' },
    });
    const { id } = created.body.tenant;
    const tenant = admin.as(created.body.api_key.key);
    await conforming(tenant, 'GET', `${T}/${id}`, 200);
    await conforming(tenant, 'GET', `${T}/${id}/features`, 200);
    await conforming(tenant, 'GET', `${T}/${id}/usage`, 200);
    await conforming(admin, 'GET', `${T}?limit=2`, 200);
    await conforming(admin, 'PUT', `${T}/${id}`, 200, { metadata: { industry: 'banking' } });
    const issued = await conforming<{ id: string }>(admin, 'POST', `${T}/${id}/api-keys`, 201, { name: 'ci', scopes: ['tenants:read'] });
    await conforming(admin, 'GET', `${T}/${id}/api-keys`, 200);
    await conforming(admin, 'POST', `${T}/${id}/api-keys/${issued.body.id}/rotate`, 201);
    await conforming(admin, 'DELETE', `${T}/${id}/api-keys/${created.body.api_key.id}`, 204);
  });

  it('when a tenant reads the catalog, subscribes, previews a change and reads its invoices and usage, then every answer conforms', async () => {
    const anonymous = admin.as(undefined);
    await conforming(anonymous, 'GET', `${M}/plans`, 200);
    await conforming(anonymous, 'GET', `${M}/plans/pro`, 200);
    await conforming(anonymous, 'GET', `${M}/compare-plans`, 200);

    const { tenant, api_key: apiKey } = await createTenant(admin);
    const client = admin.as(apiKey.key);
    // The trial subscription billing opens from tenant.created (polled as the admin: no quota counts).
    const trial = await eventually(
      async () => {
        const reply = await admin.get<{ items: Array<{ id: string }> }>(`${M}/subscriptions?tenant_id=${tenant.id}`);
        return reply.status === 200 && reply.body.items[0] ? reply.body.items[0] : false;
      },
      { timeoutMs: 15_000, description: `the trial of ${tenant.id}` },
    );
    await conforming(client, 'GET', `${M}/subscriptions`, 200);
    await conforming(client, 'GET', `${M}/subscriptions/${trial.id}`, 200);
    await conforming(client, 'POST', `${M}/subscribe`, 201, { plan_id: 'basic', interval: 'monthly' });
    await conforming(client, 'POST', `${M}/subscriptions/${trial.id}/change?preview=true`, 200, { plan_id: 'pro' });
    await conforming(client, 'GET', `${M}/subscriptions/${trial.id}/upcoming-invoice`, 200);
    const invoices = await conforming<{ items: Array<{ id: string }> }>(admin, 'GET', `${M}/invoices?tenant_id=${tenant.id}`, 200);
    const invoice = invoices.body.items[0];
    expect(invoice).toBeDefined();
    await conforming(admin, 'GET', `${M}/invoices/${invoice?.id}?tenant_id=${tenant.id}`, 200);
    await conforming(client, 'POST', `${M}/usage-report`, 200, {});
    await conforming(admin, 'POST', `${M}/invoices/${invoice?.id}/mark-paid?tenant_id=${tenant.id}`, 200, { reference: 'SEPA 4411' });
    // Paying twice: 409 naming the invoice and when it was paid.
    await conforming(admin, 'POST', `${M}/invoices/${invoice?.id}/mark-paid?tenant_id=${tenant.id}`, 409, { reference: 'SEPA 4411' });
  });

  it('when requests are refused (400, 401, 403, 404, 409, 429), then every problem conforms, extension members included', async () => {
    const anonymous = admin.as(undefined);
    const invalid = await conforming<{ errors: unknown[] }>(admin, 'POST', T, 400, { name: '' });
    expect(invalid.body.errors.length).toBeGreaterThan(0);
    await conforming(anonymous, 'GET', `${T}/ten_0123456789abcdef`, 401);
    await conforming(admin.as('tnt_0123456789abcdef_not-a-real-secret-at-all-0123456789abcdefgh'), 'GET', `${T}/ten_0123456789abcdef`, 401);
    await conforming(admin, 'GET', `${T}/ten_0123456789abcdef`, 404);
    await conforming(admin, 'GET', '/api/v1/nothing-here', 404);

    // 403 from the feature gate: the plan that has the feature is named.
    const basic = await createTenant(admin);
    const gated = await conforming(admin.as(basic.api_key.key), 'GET', '/api/v1/ai-assistant/tasks', 403);
    expect(gated.body).toHaveProperty('required_plan', 'pro');

    // 409: a cancelled tenant cannot come back; the problem names both ends and what was allowed.
    const leaving = await createTenant(admin);
    await conforming(admin, 'POST', `${T}/${leaving.tenant.id}/status`, 200, { status: 'cancelled', reason: 'conformance' });
    const conflict = await conforming(admin, 'POST', `${T}/${leaving.tenant.id}/status`, 409, { status: 'active' });
    expect(conflict.body).toMatchObject({ from: 'cancelled', to: 'active', allowed: [] });

    // 403 for a suspended tenant's key: the problem names the status.
    const suspended = await createTenant(admin);
    await conforming(admin, 'POST', `${T}/${suspended.tenant.id}/status`, 200, { status: 'suspended', reason: 'conformance' });
    const refused = await eventually(
      async () => {
        const response = await admin.as(suspended.api_key.key).get(`${T}/${suspended.tenant.id}`);
        return response.status === 403 ? response : false;
      },
      { timeoutMs: 5_000, description: 'the suspended tenant refused' },
    );
    expect(
      contract.problemsOf('GET', `${T}/${suspended.tenant.id}`, refused.status, refused.headers.get('content-type'), refused.body),
    ).toEqual([]);
    expect(refused.body).toHaveProperty('tenant_status', 'suspended');

    // 429: basic allows 10 requests a minute (the window is the clock minute: a new one may start meanwhile).
    const busy = await createTenant(admin);
    const client = admin.as(busy.api_key.key);
    let limited: ApiResponse | undefined;
    for (let i = 0; i < 25 && !limited; i += 1) {
      const response = await client.get(`${T}/${busy.tenant.id}/features`);
      if (response.status === 429) limited = response;
    }
    expect(limited).toBeDefined();
    expect(
      contract.problemsOf('GET', `${T}/${busy.tenant.id}/features`, 429, limited?.headers.get('content-type') ?? null, limited?.body),
    ).toEqual([]);
    expect(limited?.body).toHaveProperty('policy', 'minute');
  });
});
