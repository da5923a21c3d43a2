import { IDENTITY_HEADER, IDENTITY_SIGNATURE_HEADER, signIdentity } from '@tenantry/http';
import { ADMIN, startTenantsHarness, tenantKey, TEST_INTERNAL_SECRET, type TenantsHarness } from './test-support/tenants-harness';

describe('tenant isolation and gateway signatures', () => {
  let h: TenantsHarness;
  let a: { tenantId: string; keyId: string };
  let b: { tenantId: string; keyId: string };

  beforeAll(async () => {
    h = await startTenantsHarness();
    const first = await h.createTenant({ name: 'Tenant A' });
    const second = await h.createTenant({ name: 'Tenant B', metadata: { secret: 'b-only' } });
    a = { tenantId: first.tenant.id, keyId: first.api_key.id };
    b = { tenantId: second.tenant.id, keyId: second.api_key.id };
  });
  afterAll(() => h.close());

  const asA = () => tenantKey(a.tenantId, a.keyId);

  const crossTenantRequests = (): Array<[string, string, string, unknown?]> => [
    ['read', 'GET', `/api/v1/tenants/${b.tenantId}`],
    ['update', 'PUT', `/api/v1/tenants/${b.tenantId}`, { name: 'pwned' }],
    ['features', 'GET', `/api/v1/tenants/${b.tenantId}/features`],
    ['usage', 'GET', `/api/v1/tenants/${b.tenantId}/usage`],
    ['upgrade', 'POST', `/api/v1/tenants/${b.tenantId}/upgrade`, { subscription_tier: 'pro' }],
    ['list keys', 'GET', `/api/v1/tenants/${b.tenantId}/api-keys`],
    ['issue a key', 'POST', `/api/v1/tenants/${b.tenantId}/api-keys`, {}],
    ['revoke a key', 'DELETE', `/api/v1/tenants/${b.tenantId}/api-keys/${b.keyId}`],
    ['rotate a key', 'POST', `/api/v1/tenants/${b.tenantId}/api-keys/${b.keyId}/rotate`],
    ["revoke B's key under A's path", 'DELETE', `/api/v1/tenants/${a.tenantId}/api-keys/${b.keyId}`],
    ["rotate B's key under A's path", 'POST', `/api/v1/tenants/${a.tenantId}/api-keys/${b.keyId}/rotate`],
  ];

  it("when tenant A's key reaches for tenant B in any way, then 404 like a missing tenant and B is unchanged", async () => {
    const before = await h.call(ADMIN, 'GET', `/api/v1/tenants/${b.tenantId}`);
    const keysBefore = await h.call(ADMIN, 'GET', `/api/v1/tenants/${b.tenantId}/api-keys`);
    const eventsBefore = h.eventsOf(b.tenantId).length;
    for (const [what, method, path, body] of crossTenantRequests()) {
      const reply = await h.call(asA(), method, path, body === undefined ? {} : { body });
      expect([what, reply.status]).toEqual([what, 404]);
      expect(JSON.stringify(reply.body)).not.toContain('b-only');
    }
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${b.tenantId}`)).body).toEqual(before.body);
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${b.tenantId}/api-keys`)).body).toEqual(keysBefore.body);
    expect(h.eventsOf(b.tenantId)).toHaveLength(eventsBefore);
    // Nor did anything about B reach billing (its usage, a plan change) on A's behalf.
    expect(h.billing.requests.filter((request) => request.tenantId === b.tenantId)).toHaveLength(0);
  });

  it('when a tenant asks for another existing tenant, then the answer is the same as for one that does not exist', async () => {
    const existing = await h.call(asA(), 'GET', `/api/v1/tenants/${b.tenantId}`);
    const missing = await h.call(asA(), 'GET', '/api/v1/tenants/ten_neverexisted0000');
    const shape = (body: unknown) => {
      const { instance: _instance, request_id: _requestId, detail, ...rest } = body as Record<string, unknown>;
      return { ...rest, detail: String(detail).replace(/ten_\w+/, '<id>') };
    };
    expect(shape(existing.body)).toEqual(shape(missing.body));
  });

  it.each([
    ['create a tenant', 'POST', '/api/v1/tenants', { name: 'Mine now' }],
    ['list tenants', 'GET', '/api/v1/tenants', undefined],
    ['change its own status', 'POST', '/:own/status', { status: 'active' }],
  ])('when a tenant key tries to %s (admin only), then 403', async (_what, method, path, body) => {
    const reply = await h.call(asA(), method, path.replace('/:own', `/api/v1/tenants/${a.tenantId}`), body === undefined ? {} : { body });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ type: 'https://tenantry.dev/problems/forbidden' });
  });

  it('when a tenant key asks an admin route with an invalid body, then it still gets 403, not a validation hint', async () => {
    const reply = await h.call(asA(), 'POST', `/api/v1/tenants/${a.tenantId}/status`, { body: { status: 'bogus' } });
    expect(reply.status).toBe(403);
  });

  describe('requests that did not come through the gateway', () => {
    const routes = (): Array<[string, string]> => [
      ['GET', '/api/v1/tenants'],
      ['POST', '/api/v1/tenants'],
      ['GET', `/api/v1/tenants/${a.tenantId}`],
      ['GET', `/api/v1/tenants/${a.tenantId}/api-keys`],
      ['GET', `/internal/v1/api-keys/${a.keyId}`],
    ];

    it('when a request carries no identity, then 401 on every API route', async () => {
      for (const [method, path] of routes()) {
        const reply = await h.call(null, method, path, method === 'POST' ? { body: { name: 'x' } } : {});
        expect([method, path, reply.status]).toEqual([method, path, 401]);
      }
    });

    it('when the identity is signed for another path, then 401', async () => {
      const headers = signIdentity(
        ADMIN,
        { method: 'GET', url: `/api/v1/tenants/${a.tenantId}`, audience: 'tenants' },
        TEST_INTERNAL_SECRET,
      );
      const reply = await h.call(null, 'GET', `/api/v1/tenants/${b.tenantId}`, { headers });
      expect(reply.status).toBe(401);
    });

    it("when a tenant's signed identity is edited to claim the admin role, then 401", async () => {
      const path = `/api/v1/tenants/${b.tenantId}`;
      const signed = signIdentity(asA(), { method: 'GET', url: path, audience: 'tenants' }, TEST_INTERNAL_SECRET);
      const forged = Buffer.from(JSON.stringify({ identity: { role: 'admin' }, aud: 'tenants', iat: Date.now() })).toString('base64url');
      const reply = await h.call(null, 'GET', path, {
        headers: { [IDENTITY_HEADER]: forged, [IDENTITY_SIGNATURE_HEADER]: signed[IDENTITY_SIGNATURE_HEADER] ?? '' },
      });
      expect(reply.status).toBe(401);
    });

    it('when the identity was signed for the billing service, then the tenants service refuses it with a 403 problem', async () => {
      const path = `/api/v1/tenants/${a.tenantId}`;
      const reply = await h.call(null, 'GET', path, {
        headers: signIdentity(ADMIN, { method: 'GET', url: path, audience: 'billing' }, TEST_INTERNAL_SECRET),
      });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({
        type: 'https://tenantry.dev/problems/forbidden',
        detail: 'This request was signed for the billing service, not for tenants.',
      });
    });

    it('when the identity is signed with another secret, then 401; a client header like X-Tenant-Id grants nothing', async () => {
      const path = `/api/v1/tenants/${b.tenantId}`;
      const reply = await h.call(null, 'GET', path, {
        headers: {
          ...signIdentity(ADMIN, { method: 'GET', url: path, audience: 'tenants' }, 'another-secret'.padEnd(40, '!')),
          'x-tenant-id': b.tenantId,
          'x-role': 'admin',
        },
      });
      expect(reply.status).toBe(401);
    });

    it('when probes and metrics are scraped without identity, then they answer', async () => {
      for (const path of ['/health', '/ready', '/metrics']) expect((await h.call(null, 'GET', path)).status).toBe(200);
    });
  });
});
