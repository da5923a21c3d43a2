import { apiKeyViewSchema, createdApiKeySchema, resolvedApiKeySchema } from '@tenantry/contracts';
import { hashApiKey, pageSchema, parseApiKey } from '@tenantry/http';
import { ADMIN, GATEWAY, startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';
import { apiKeysCollection } from './api-key.collection';
import { MAX_ACTIVE_KEYS } from './api-keys';

const keyPage = pageSchema(apiKeyViewSchema);

describe('API keys: issue, list (masked), revoke, rotate, resolve', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  const keysPath = (tenantId: string) => `/api/v1/tenants/${tenantId}/api-keys`;
  const listKeys = async (tenantId: string) => keyPage.parse((await h.call(ADMIN, 'GET', `${keysPath(tenantId)}?limit=100`)).body).items;

  it('when a tenant issues a key for itself, then 201 shows the plaintext once and only its SHA-256 is stored', async () => {
    const { tenant, api_key: own } = await h.createTenant();
    const reply = await h.call(tenantKey(tenant.id, own.id), 'POST', keysPath(tenant.id), {
      body: { name: 'deploy', scopes: ['billing:read'] },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const created = createdApiKeySchema.parse(reply.body);
    expect(created).toMatchObject({ name: 'deploy', scopes: ['billing:read'], tenant_id: tenant.id, revoked_at: null, expires_at: null });
    expect(reply.headers.get('location')).toBe(`${keysPath(tenant.id)}/${created.id}`);
    expect(parseApiKey(created.key)?.keyId).toBe(created.id);

    const repository = await h.platform.persistence.repository(apiKeysCollection);
    const stored = await repository.findById(tenant.id, created.id);
    expect(stored?.keyHash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(stored)).not.toContain(created.key);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(21)); // not even the secret part alone
  });

  it('when keys are listed, then they are masked (prefix…last 4), never with the key or its hash, revoked ones included', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    const second = createdApiKeySchema.parse((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: { name: 'second' } })).body);
    await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/${second.id}`);

    const reply = await h.call(tenantKey(tenant.id, apiKey.id), 'GET', keysPath(tenant.id));
    expect(reply.status).toBe(200);
    const text = JSON.stringify(reply.body);
    for (const key of [apiKey.key, second.key]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(hashApiKey(key));
    }
    const items = keyPage.parse(reply.body).items;
    expect(items).toEqual([
      expect.objectContaining({ id: apiKey.id, masked_key: `${apiKey.prefix}…${apiKey.key.slice(-4)}`, revoked_at: null }),
      expect.objectContaining({ id: second.id, name: 'second', revoked_at: expect.any(String), revoked_reason: 'revoked' }),
    ]);
    expect(items.every((item) => !('key' in item) && !('keyHash' in item))).toBe(true);
  });

  it('when keys are listed page by page, then every key comes once', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    const ids = [apiKey.id];
    for (let i = 0; i < 4; i += 1)
      ids.push(createdApiKeySchema.parse((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).body).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply = await h.call(ADMIN, 'GET', `${keysPath(tenant.id)}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = keyPage.parse(reply.body);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('when a key is revoked, then 204, tenant.api_key_revoked (revoked) is emitted, and revoking it again changes nothing', async () => {
    const { tenant } = await h.createTenant();
    const key = createdApiKeySchema.parse((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).body);
    const reply = await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/${key.id}`);
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    const [event] = await h.waitForEvents(tenant.id, 'tenant.api_key_revoked');
    expect(event?.data).toEqual({ tenant_id: tenant.id, key_id: key.id, reason: 'revoked', revoked_at: expect.any(String) });

    expect((await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/${key.id}`)).status).toBe(204);
    const resolved = resolvedApiKeySchema.parse((await h.call(GATEWAY, 'GET', `/internal/v1/api-keys/${key.id}`)).body);
    expect(resolved.revokedAt).toBe((event?.data as { revoked_at: string }).revoked_at);
    // A later revocation of another key of the tenant: events of one tenant arrive in commit order, so
    // a second event for the first key would show up between the two.
    const other = createdApiKeySchema.parse((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).body);
    await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/${other.id}`);
    const events = await h.waitForEvents(tenant.id, 'tenant.api_key_revoked', 2);
    expect(events.map((revocation) => (revocation.data as { key_id: string }).key_id)).toEqual([key.id, other.id]);
  });

  it('when an unknown key is revoked or rotated, then 404', async () => {
    const { tenant } = await h.createTenant();
    expect((await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/key_0000000000000000`)).status).toBe(404);
    expect((await h.call(ADMIN, 'POST', `${keysPath(tenant.id)}/key_0000000000000000/rotate`)).status).toBe(404);
  });

  it('when a key is rotated, then a new key with the same name and scopes is shown once and the old one is revoked (rotated)', async () => {
    const { tenant } = await h.createTenant();
    const old = createdApiKeySchema.parse(
      (await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: { name: 'ci', scopes: ['billing:read'] } })).body,
    );
    const reply = await h.call(ADMIN, 'POST', `${keysPath(tenant.id)}/${old.id}/rotate`);
    expect(reply.status).toBe(201);
    const rotated = createdApiKeySchema.extend({ rotated_from: createdApiKeySchema.shape.id }).parse(reply.body);
    expect(rotated).toMatchObject({ name: 'ci', scopes: ['billing:read'], rotated_from: old.id, revoked_at: null });
    expect(rotated.key).not.toBe(old.key);
    expect(await listKeys(tenant.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: old.id, revoked_reason: 'rotated' }),
        expect.objectContaining({ id: rotated.id, revoked_at: null }),
      ]),
    );
    const [event] = await h.waitForEvents(tenant.id, 'tenant.api_key_revoked');
    expect(event?.data).toMatchObject({ key_id: old.id, reason: 'rotated' });

    const again = await h.call(ADMIN, 'POST', `${keysPath(tenant.id)}/${old.id}/rotate`);
    expect(again.status).toBe(409);
  });

  it(`when a tenant has ${MAX_ACTIVE_KEYS} active keys, then the next one is refused with 409; revoked keys do not count`, async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    for (let i = 1; i < MAX_ACTIVE_KEYS; i += 1) expect((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).status).toBe(201);
    const refused = await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ limit: MAX_ACTIVE_KEYS });
    await h.call(ADMIN, 'DELETE', `${keysPath(tenant.id)}/${apiKey.id}`);
    expect((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).status).toBe(201);
  });

  it('when a tenant key tries to revoke itself, then 409 (it may rotate itself, or be revoked by another key)', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    const self = tenantKey(tenant.id, apiKey.id);
    const refused = await h.call(self, 'DELETE', `${keysPath(tenant.id)}/${apiKey.id}`);
    expect(refused.status).toBe(409);
    expect((await listKeys(tenant.id))[0]).toMatchObject({ revoked_at: null });
    const rotated = await h.call(self, 'POST', `${keysPath(tenant.id)}/${apiKey.id}/rotate`);
    expect(rotated.status).toBe(201);
  });

  it('when a key limited to scopes asks for a wider key, then 403; within its scopes it may', async () => {
    const { tenant } = await h.createTenant();
    const narrow = tenantKey(tenant.id, 'key_narrow0000000000', ['tenants:write', 'billing:read']);
    for (const body of [{}, { scopes: ['tenants:write', 'billing:write'] }, { scopes: ['observability:read'] }]) {
      const reply = await h.call(narrow, 'POST', keysPath(tenant.id), { body });
      expect(reply.status).toBe(403);
    }
    // Narrower: the same scopes, or a read where it holds the write.
    for (const scopes of [['billing:read'], ['tenants:read', 'billing:read'], ['tenants:write']]) {
      expect((await h.call(narrow, 'POST', keysPath(tenant.id), { body: { scopes } })).status).toBe(201);
    }
  });

  it.each([
    ['an expiry in the past', { expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
    ['a malformed scope', { scopes: ['Has Spaces'] }, 'scopes.0'],
    ['a scope outside the list', { scopes: ['billing:read', 'usage:read'] }, 'scopes.1'],
    ['repeated scopes', { scopes: ['billing:read', 'billing:read'] }, 'scopes'],
    ['an unknown field', { owner: 'x' }, 'owner'],
  ])('when the new key has %s, then 400 names the field and no key is added', async (_case, body, field) => {
    const { tenant } = await h.createTenant();
    const reply = await h.call(ADMIN, 'POST', keysPath(tenant.id), { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(await listKeys(tenant.id)).toHaveLength(1);
  });

  it('when a key is issued with an expiry, then listing and resolution show it', async () => {
    const { tenant } = await h.createTenant();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const key = createdApiKeySchema.parse((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: { expires_at: expiresAt } })).body);
    expect(key.expires_at).toBe(expiresAt);
    expect((await h.call(GATEWAY, 'GET', `/internal/v1/api-keys/${key.id}`)).body).toMatchObject({ expiresAt });
  });

  it('when a cancelled tenant asks for a key, then 409', async () => {
    const { tenant } = await h.createTenant();
    await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'cancelled' } });
    expect((await h.call(ADMIN, 'POST', keysPath(tenant.id), { body: {} })).status).toBe(409);
  });

  describe('GET /internal/v1/api-keys/:keyId (the gateway resolving a key)', () => {
    it('when a platform service resolves a key, then it gets hash, scopes and the tenant, uncacheable', async () => {
      const { tenant, api_key: apiKey } = await h.createTenant({ subscription_tier: 'pro', timezone: 'Europe/Ljubljana' });
      const reply = await h.call(GATEWAY, 'GET', `/internal/v1/api-keys/${apiKey.id}`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(resolvedApiKeySchema.parse(reply.body)).toEqual({
        keyId: apiKey.id,
        tenantId: tenant.id,
        keyHash: hashApiKey(apiKey.key),
        scopes: [],
        revokedAt: null,
        expiresAt: null,
        tenant: { id: tenant.id, status: 'trial', subscriptionTier: 'pro', subscriptionRevision: 0, timezone: 'Europe/Ljubljana' },
      });
    });

    it('when the key id is unknown, then 404', async () => {
      const reply = await h.call(GATEWAY, 'GET', '/internal/v1/api-keys/key_zzzzzzzzzzzzzzzz');
      expect(reply.status).toBe(404);
    });

    it.each([
      ['the admin', ADMIN],
      ['the key owner', tenantKey('owner')],
    ])('when %s asks, then 404 as if the route did not exist', async (_who, identity) => {
      const { tenant, api_key: apiKey } = await h.createTenant();
      const caller = identity.role === 'tenant' ? tenantKey(tenant.id, apiKey.id) : identity;
      const reply = await h.call(caller, 'GET', `/internal/v1/api-keys/${apiKey.id}`);
      expect(reply.status).toBe(404);
      expect(JSON.stringify(reply.body)).not.toContain(hashApiKey(apiKey.key));
    });
  });
});
