import { describeWithInfra, eventually } from '@tenantry/testing';
import {
  ADMIN_KEY,
  Client,
  type CreatedTenant,
  createSettledTenants,
  createTenant,
  realInfraEnv,
  usePlatform,
} from '../test-support/e2e-harness';

describeWithInfra('tenant isolation through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  const running = usePlatform(() => realInfraEnv(infra));
  const { admin } = running;
  let alice: CreatedTenant;
  let bob: CreatedTenant;
  let asAlice: Client;

  beforeAll(async () => {
    // Pro: 100 requests/minute, enough for every probe below.
    // Settled: the subscription billing opens for each would otherwise purge their cache mid-test.
    [alice, bob] = (await createSettledTenants(admin, { subscription_tier: 'pro' }, { subscription_tier: 'pro' })) as [
      CreatedTenant,
      CreatedTenant,
    ];
    asAlice = admin.as(alice.api_key.key);
  }, 60_000);

  const bobPaths = () => [
    `/api/v1/tenants/${bob.tenant.id}`,
    `/api/v1/tenants/${bob.tenant.id}/features`,
    `/api/v1/tenants/${bob.tenant.id}/usage`,
    `/api/v1/tenants/${bob.tenant.id}/api-keys`,
  ];

  it("when a tenant key asks for another tenant's resources by id, then it gets 404 as if they did not exist", async () => {
    for (const path of bobPaths()) {
      const response = await asAlice.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });

  it('when a tenant key tries to change another tenant, then nothing changes', async () => {
    const update = await asAlice.put(`/api/v1/tenants/${bob.tenant.id}`, { name: 'Taken over' });
    const newKey = await asAlice.post(`/api/v1/tenants/${bob.tenant.id}/api-keys`, { name: 'intruder' });
    const revoke = await asAlice.delete(`/api/v1/tenants/${bob.tenant.id}/api-keys/${bob.api_key.id}`);
    expect([update.status, newKey.status, revoke.status]).toEqual([404, 404, 404]);

    const bobView = await admin.get<{ name: string }>(`/api/v1/tenants/${bob.tenant.id}`);
    expect(bobView.body.name).toBe(bob.tenant.name);
    expect((await admin.as(bob.api_key.key).get(`/api/v1/tenants/${bob.tenant.id}`)).status).toBe(200);
  });

  it('when a tenant key lists tenants or changes a status, then it is refused (admin only)', async () => {
    expect((await asAlice.get('/api/v1/tenants')).status).toBe(403);
    expect((await asAlice.get(`/api/v1/tenants?tenant_id=${bob.tenant.id}`)).status).toBe(403);
    expect((await asAlice.post(`/api/v1/tenants/${alice.tenant.id}/status`, { status: 'active' })).status).toBe(403);
  });

  it('when a client spoofs identity headers, then the gateway ignores them and services refuse unsigned calls', async () => {
    const spoofed = await asAlice.get(`/api/v1/tenants/${bob.tenant.id}`, {
      'x-tenant-id': bob.tenant.id,
      'x-role': 'admin',
      'x-tenantry-identity': Buffer.from(JSON.stringify({ identity: { role: 'admin' }, iat: Date.now() })).toString('base64url'),
      'x-tenantry-signature': 'forged',
    });
    expect(spoofed.status).toBe(404);

    // Straight to the tenants service, around the gateway: refused whatever the headers claim.
    const direct = new Client(running.platform.servers.get('tenants')?.url ?? '', undefined);
    const bypass = await direct.get(`/api/v1/tenants/${bob.tenant.id}`, {
      'x-tenant-id': bob.tenant.id,
      'x-role': 'admin',
      authorization: `Bearer ${ADMIN_KEY}`,
    });
    expect(bypass.status).toBe(401);
  });

  it('when two tenants read the same path, then their cached responses never cross', async () => {
    const asBob = admin.as(bob.api_key.key);
    // The same URL for both: each tenant's own features, cached per tenant.
    const aliceFirst = await asAlice.get<{ tenant_id: string }>(`/api/v1/tenants/${alice.tenant.id}/features?view=same`);
    const aliceHit = await asAlice.get<{ tenant_id: string }>(`/api/v1/tenants/${alice.tenant.id}/features?view=same`);
    expect(aliceHit.headers.get('x-cache-status')).toBe('HIT');
    // Bob asking for Alice's path (cached for Alice) must not be served from her namespace.
    const bobOnAlicePath = await asBob.get(`/api/v1/tenants/${alice.tenant.id}/features?view=same`);
    expect(bobOnAlicePath.status).toBe(404);
    expect(bobOnAlicePath.headers.get('x-cache-status')).not.toBe('HIT');
    const bobOwn = await asBob.get<{ tenant_id: string }>(`/api/v1/tenants/${bob.tenant.id}/features?view=same`);
    expect([aliceFirst.body.tenant_id, aliceHit.body.tenant_id, bobOwn.body.tenant_id]).toEqual([
      alice.tenant.id,
      alice.tenant.id,
      bob.tenant.id,
    ]);
  });

  it('when a tenant updates itself, then its next read is fresh, not the cached copy', async () => {
    const path = `/api/v1/tenants/${alice.tenant.id}`;
    await asAlice.get(path);
    expect((await asAlice.get(path)).headers.get('x-cache-status')).toBe('HIT');
    expect((await asAlice.put(path, { name: 'Alice Renamed' })).status).toBe(200);
    const after = await asAlice.get<{ name: string }>(path);
    expect(after.body.name).toBe('Alice Renamed');
  });

  it('when a key is revoked, then requests with it are refused within a second', async () => {
    const issued = await asAlice.post<{ id: string; key: string }>(`/api/v1/tenants/${alice.tenant.id}/api-keys`, { name: 'short-lived' });
    expect(issued.status).toBe(201);
    const shortLived = admin.as(issued.body.key);
    expect((await shortLived.get(`/api/v1/tenants/${alice.tenant.id}/features`)).status).toBe(200); // now cached by the gateway

    expect((await asAlice.delete(`/api/v1/tenants/${alice.tenant.id}/api-keys/${issued.body.id}`)).status).toBe(204);
    await eventually(async () => (await shortLived.get(`/api/v1/tenants/${alice.tenant.id}/features`)).status === 401, {
      // The gateway remembers keys for 30 s (GATEWAY_KEY_CACHE_TTL): well before, only the revocation event explains it.
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'the revoked key to be refused',
    });
    expect((await asAlice.get(`/api/v1/tenants/${alice.tenant.id}/features`)).status).toBe(200);
  });

  it("when a tenant is cancelled (which revokes its keys), then its key gets the same 403 problem as a suspended tenant's, naming the status", async () => {
    const [toSuspend, toCancel] = await Promise.all([createTenant(admin), createTenant(admin)]);
    expect((await admin.post(`/api/v1/tenants/${toSuspend.tenant.id}/status`, { status: 'suspended', reason: 'e2e' })).status).toBe(200);
    expect((await admin.post(`/api/v1/tenants/${toCancel.tenant.id}/status`, { status: 'cancelled', reason: 'e2e' })).status).toBe(200);
    const refusal = (created: CreatedTenant) =>
      eventually(
        async () => {
          const response = await admin.as(created.api_key.key).get<Record<string, unknown>>(`/api/v1/tenants/${created.tenant.id}`);
          if (response.status !== 403) throw new Error(`still ${response.status}`);
          return response;
        },
        { timeoutMs: 2_000, intervalMs: 25, description: `${created.tenant.id} to be refused with 403` },
      );
    const [suspended, cancelled] = await Promise.all([refusal(toSuspend), refusal(toCancel)]);
    expect(cancelled.headers.get('content-type')).toContain('application/problem+json');
    expect(Object.keys(cancelled.body).sort()).toEqual(Object.keys(suspended.body).sort());
    expect(cancelled.body).toMatchObject({ type: 'https://tenantry.dev/problems/forbidden', status: 403, tenant_status: 'cancelled' });
    expect(suspended.body).toMatchObject({ tenant_status: 'suspended' });
  });

  it('when input is bad, then the answer is a 4xx problem naming the field and nothing is created', async () => {
    const before = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100&subscription_tier=enterprise');
    const cases: Array<[string, unknown]> = [
      ['missing name', { subscription_tier: 'enterprise' }],
      ['unknown tier', { name: 'x', subscription_tier: 'platinum' }],
      ['bad time zone', { name: 'x', subscription_tier: 'enterprise', timezone: 'Mars/Olympus' }],
      ['unknown field', { name: 'x', subscription_tier: 'enterprise', isAdmin: true }],
      ['not an object', '[1,2,3]'],
      ['malformed JSON', '{"name": '],
      // Issue 9: these were accepted (201), __proto__ silently dropped, the bytes stored as U+FFFD.
      ['__proto__ in metadata', '{"name":"x","subscription_tier":"enterprise","metadata":{"__proto__":{"role":"admin"}}}'],
      ['a NUL in the name', { name: 'x\u0000y', subscription_tier: 'enterprise' }],
      [
        'invalid UTF-8',
        Buffer.concat([Buffer.from('{"name":"x'), Buffer.from([0xc3, 0x28]), Buffer.from('","subscription_tier":"enterprise"}')]),
      ],
    ];
    for (const [name, body] of cases) {
      const response = await admin.post('/api/v1/tenants', body);
      expect({ name, status: response.status, type: response.headers.get('content-type') }).toEqual({
        name,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
      });
    }
    const after = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100&subscription_tier=enterprise');
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('when a key is limited to billing:read, then through the gateway it reads billing and nothing else, and cannot mint a wider key', async () => {
    const issued = await asAlice.post<{ key: string; scopes: string[] }>(`/api/v1/tenants/${alice.tenant.id}/api-keys`, {
      name: 'reporting',
      scopes: ['billing:read'],
    });
    expect(issued.body.scopes).toEqual(['billing:read']);
    const reporting = admin.as(issued.body.key);

    expect((await reporting.get('/api/v1/monetization/invoices')).status).toBe(200);
    const refused = await reporting.get<{ required_scope: string }>(`/api/v1/tenants/${alice.tenant.id}`);
    expect({ status: refused.status, required_scope: refused.body.required_scope }).toEqual({
      status: 403,
      required_scope: 'tenants:read',
    });
    const write = await reporting.post<{ required_scope: string }>('/api/v1/monetization/subscribe', { plan_id: 'enterprise' });
    expect({ status: write.status, required_scope: write.body.required_scope }).toEqual({ status: 403, required_scope: 'billing:write' });
    expect((await reporting.post(`/api/v1/tenants/${alice.tenant.id}/api-keys`, { name: 'wider' })).status).toBe(403);
  });
});
