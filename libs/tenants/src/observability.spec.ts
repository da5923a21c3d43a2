import { ADMIN, startTenantsHarness, type TenantsHarness } from './test-support/tenants-harness';

describe('what the tenants service shows operators', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  it('when tenant and key routes are called, then metrics label them by route template, never by real ids', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`);
    await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}/api-keys`);
    await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/api-keys/${apiKey.id}/rotate`);
    const metrics = String((await h.call(null, 'GET', '/metrics')).body);
    expect(metrics).toContain('/api/v1/tenants/:tenant_id"');
    expect(metrics).toContain('/api/v1/tenants/:tenant_id/api-keys"');
    expect(metrics).toContain('/api/v1/tenants/:tenant_id/api-keys/:key_id/rotate"');
    expect(metrics).not.toContain(tenant.id);
    expect(metrics).not.toContain(apiKey.id);
  });
});
