import { tenantViewSchema, tenantFeaturesResponseSchema, FEATURES } from '@tenantry/contracts';
import { pageSchema, parseApiKey } from '@tenantry/http';
import { ADMIN, startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';

const DAY_MS = 24 * 60 * 60 * 1000;
const tenantPage = pageSchema(tenantViewSchema);

describe('tenants API: create, read, list, update', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  describe('POST /api/v1/tenants', () => {
    it('when the admin creates a tenant, then it starts on a 14-day trial of the default tier with its first API key shown once', async () => {
      const before = Date.now();
      const reply = await h.call(ADMIN, 'POST', '/api/v1/tenants', {
        body: { name: 'Acme d.o.o.', timezone: 'Europe/Ljubljana', billing_email: 'billing@acme.test', metadata: { crm: 'A-1' } },
      });
      expect(reply.status).toBe(201);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      const { tenant, api_key: apiKey } = reply.body as { tenant: Record<string, unknown>; api_key: Record<string, unknown> };
      expect(tenant).toMatchObject({
        id: expect.stringMatching(/^ten_[a-z0-9]+$/),
        name: 'Acme d.o.o.',
        status: 'trial',
        subscription_tier: 'basic',
        settings: { timezone: 'Europe/Ljubljana', billing_email: 'billing@acme.test' },
        metadata: { crm: 'A-1' },
      });
      expect(reply.headers.get('location')).toBe(`/api/v1/tenants/${String(tenant['id'])}`);
      const trialEndsAt = Date.parse(String(tenant['trial_ends_at']));
      expect(trialEndsAt).toBeGreaterThanOrEqual(before + 14 * DAY_MS);
      expect(trialEndsAt).toBeLessThanOrEqual(Date.now() + 14 * DAY_MS);
      expect(apiKey).toMatchObject({ id: expect.stringMatching(/^key_[a-z0-9]{16}$/), tenant_id: tenant['id'], revoked_at: null });
      expect(parseApiKey(String(apiKey['key']))).toEqual({ keyId: apiKey['id'], prefix: apiKey['prefix'] });
    });

    it('when a tenant is created, then tenant.created carries its data', async () => {
      const { tenant } = await h.createTenant({ name: 'Evented', subscription_tier: 'pro', timezone: 'America/New_York' });
      const [event] = await h.waitForEvents(tenant.id, 'tenant.created');
      expect(event).toMatchObject({
        source: '/tenantry/tenants',
        subject: tenant.id,
        data: {
          tenant_id: tenant.id,
          name: 'Evented',
          subscription_tier: 'pro',
          status: 'trial',
          timezone: 'America/New_York',
          trial_ends_at: tenant.trial_ends_at,
        },
      });
      // The repository stamps the document itself, a moment after the event was built with it.
      expect(
        Math.abs(Date.parse(String((event?.data as { created_at?: string } | undefined)?.created_at)) - Date.parse(tenant.created_at)),
      ).toBeLessThan(1_000);
    });

    it('when only a name is given, then the time zone is UTC and there is no billing email', async () => {
      const { tenant } = await h.createTenant({ name: 'Minimal' });
      expect(tenant.settings).toEqual({ timezone: 'UTC', billing_email: null });
      expect(tenant.metadata).toEqual({});
    });

    it.each([
      ['a missing name', {}, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['an unknown tier', { name: 'x', subscription_tier: 'gold' }, 'subscription_tier'],
      ['a time zone that is not IANA', { name: 'x', timezone: 'Mars/Olympus' }, 'timezone'],
      ['a bad email', { name: 'x', billing_email: 'not-an-email' }, 'billing_email'],
      ['an unknown field', { name: 'x', plan: 'pro' }, 'plan'],
      ['the camelCase of a field', { name: 'x', subscriptionTier: 'pro' }, 'subscriptionTier'],
      ['metadata that is not strings', { name: 'x', metadata: { seats: 5 } }, 'metadata.seats'],
      // Issue 9: was silently dropped with a 201.
      ['__proto__ in metadata', JSON.parse('{"name":"x","metadata":{"__proto__":{"role":"admin"}}}') as object, 'metadata.__proto__'],
      ['a NUL in the name', { name: 'acme\u0000corp' }, 'name'],
    ])('when the body has %s, then 400 names the field and nothing is created', async (_case, body, field) => {
      const before = (await h.call(ADMIN, 'GET', '/api/v1/tenants?limit=100')).body as { items: unknown[] };
      const eventsBefore = h.events.length;
      const reply = await h.call(ADMIN, 'POST', '/api/v1/tenants', { body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({
        type: 'https://tenantry.dev/problems/validation-failed',
        errors: expect.arrayContaining([expect.objectContaining({ field })]),
      });
      const after = (await h.call(ADMIN, 'GET', '/api/v1/tenants?limit=100')).body as { items: unknown[] };
      expect(after.items).toHaveLength(before.items.length);
      expect(h.events.length).toBe(eventsBefore);
    });

    it('when a field is sent in camelCase, then the problem suggests its snake_case spelling', async () => {
      const reply = await h.call(ADMIN, 'POST', '/api/v1/tenants', {
        body: { name: 'x', subscriptionTier: 'pro', metadata: { industry: 'fintech' } },
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        errors: [{ field: 'subscriptionTier', message: 'Unknown field; did you mean "subscription_tier"?' }],
      });
    });

    it('when the body is not JSON, then 400 malformed-json', async () => {
      const reply = await h.call(ADMIN, 'POST', '/api/v1/tenants', { rawBody: '{"name": ' });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ type: 'https://tenantry.dev/problems/malformed-json' });
    });
  });

  describe('GET /api/v1/tenants (admin list)', () => {
    it('when filtered by status and tier, then only matching tenants come, page by page with a cursor', async () => {
      const created = [];
      for (let i = 0; i < 5; i += 1)
        created.push((await h.createTenant({ name: `Enterprise ${i}`, subscription_tier: 'enterprise' })).tenant);
      const suspendedOne = created[2];
      if (!suspendedOne) throw new Error('created 5');
      await h.call(ADMIN, 'POST', `/api/v1/tenants/${suspendedOne.id}/status`, { body: { status: 'suspended' } });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query = `?subscription_tier=enterprise&status=trial&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const reply = await h.call(ADMIN, 'GET', `/api/v1/tenants${query}`);
        expect(reply.status).toBe(200);
        const page = tenantPage.parse(reply.body);
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const tenant of page.items) {
          expect(tenant).toMatchObject({ subscription_tier: 'enterprise', status: 'trial' });
          seen.push(tenant.id);
        }
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(created.filter((tenant) => tenant.id !== suspendedOne.id).map((tenant) => tenant.id));
    });

    it.each([
      ['an unknown status', '?status=deleted', 'query.status'],
      ['a limit above 100', '?limit=101', 'query.limit'],
      ['a forged cursor', '?cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
      ['an unknown parameter', '?owner=me', 'query.owner'],
      ['the camelCase of a parameter', '?subscriptionTier=pro', 'query.subscriptionTier'],
    ])('when the query has %s, then 400 names it', async (_case, query, field) => {
      const reply = await h.call(ADMIN, 'GET', `/api/v1/tenants${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errors: [expect.objectContaining({ field })] });
    });
  });

  describe('GET and PUT /api/v1/tenants/:tenantId', () => {
    it('when the tenant reads itself with its own key, then it gets its tenant', async () => {
      const { tenant, api_key: apiKey } = await h.createTenant({ name: 'Self reader' });
      const reply = await h.call(tenantKey(tenant.id, apiKey.id), 'GET', `/api/v1/tenants/${tenant.id}`);
      expect(reply.status).toBe(200);
      expect(tenantViewSchema.parse(reply.body)).toEqual(tenant);
    });

    it('when an unknown tenant is read, then 404 problem', async () => {
      const reply = await h.call(ADMIN, 'GET', '/api/v1/tenants/ten_doesnotexist');
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ type: 'https://tenantry.dev/problems/not-found', status: 404 });
    });

    it('when name, metadata and settings change, then the tenant shows them and tenant.updated carries only what changed', async () => {
      const { tenant } = await h.createTenant({ name: 'Before', timezone: 'UTC', billing_email: 'a@acme.test', metadata: { a: '1' } });
      const reply = await h.call(tenantKey(tenant.id), 'PUT', `/api/v1/tenants/${tenant.id}`, {
        body: { name: 'After', metadata: { a: '1' }, settings: { timezone: 'Asia/Tokyo', billing_email: 'a@acme.test' } },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        name: 'After',
        settings: { timezone: 'Asia/Tokyo', billing_email: 'a@acme.test' },
        metadata: { a: '1' },
      });
      const [event] = await h.waitForEvents(tenant.id, 'tenant.updated');
      expect(event?.data).toEqual({
        tenant_id: tenant.id,
        changes: { name: 'After', timezone: 'Asia/Tokyo' },
        updated_at: expect.any(String),
        revision: 2,
      });
      expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toMatchObject({ name: 'After' });
    });

    it('when the billing email is set to null, then it is removed and the event says null', async () => {
      const { tenant } = await h.createTenant({ billing_email: 'old@acme.test' });
      const reply = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, { body: { settings: { billing_email: null } } });
      expect(reply.body).toMatchObject({ settings: { billing_email: null } });
      const [event] = await h.waitForEvents(tenant.id, 'tenant.updated');
      expect(event?.data).toMatchObject({ changes: { billing_email: null } });
    });

    it('when an update changes nothing, then the tenant is returned unchanged and no event is emitted', async () => {
      const { tenant } = await h.createTenant({ name: 'Same', metadata: { k: 'v' } });
      const reply = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, {
        body: { name: 'Same', metadata: { k: 'v' }, settings: { timezone: 'UTC' } },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(tenant);
      // A later change's event is the first one: the no-op emitted nothing before it.
      await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, { body: { name: 'Changed' } });
      const updates = await h.waitForEvents(tenant.id, 'tenant.updated');
      expect(updates).toHaveLength(1);
      expect(updates[0]?.data).toMatchObject({ changes: { name: 'Changed' } });
    });

    it.each([
      ['an unknown top-level field', { status: 'active' }, 'status'],
      ['an unknown settings field', { settings: { currency: 'EUR' } }, 'settings.currency'],
      ['a camelCase settings field', { settings: { billingEmail: 'a@b.test' } }, 'settings.billingEmail'],
      ['a bad time zone', { settings: { timezone: 'Europe/Atlantis' } }, 'settings.timezone'],
      ['an empty name', { name: '' }, 'name'],
      ['too many metadata entries', { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
    ])('when the update has %s, then 400 names the field and the tenant is unchanged', async (_case, body, field) => {
      const { tenant } = await h.createTenant({ name: 'Untouched' });
      const reply = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field })]) });
      expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toEqual(tenant);
      expect(h.eventsOf(tenant.id, 'tenant.updated')).toHaveLength(0);
    });

    it('when a cancelled tenant is updated, then 409', async () => {
      const { tenant } = await h.createTenant();
      await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'cancelled' } });
      const reply = await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, { body: { name: 'Zombie' } });
      expect(reply.status).toBe(409);
    });
  });

  describe('GET /:tenantId/features', () => {
    it.each([
      [
        'basic',
        { ai_assistant: false, white_label: false },
        { api_calls_per_day: 1000, requests_per_minute: 10, users: 5, storage_bytes: 1024 ** 3 },
        null,
      ],
      ['pro', { ai_assistant: true, advanced_analytics: true, white_label: false }, { api_calls_per_day: 10_000, users: 50 }, 99.9],
      [
        'enterprise',
        { ai_assistant: true, white_label: true, custom_integrations: true },
        { api_calls_per_day: 'unlimited', users: 'unlimited', storage_bytes: 'unlimited' },
        99.99,
      ],
    ])('when a %s tenant asks for its features, then it gets the catalog entitlements of its tier', async (tier, features, limits, sla) => {
      const { tenant } = await h.createTenant({ subscription_tier: tier });
      const reply = await h.call(tenantKey(tenant.id), 'GET', `/api/v1/tenants/${tenant.id}/features`);
      expect(reply.status).toBe(200);
      const body = tenantFeaturesResponseSchema.parse(reply.body);
      expect(Object.keys(body.features).sort()).toEqual([...FEATURES].sort());
      expect(body).toMatchObject({ tenant_id: tenant.id, subscription_tier: tier, features, limits, sla_target_percent: sla });
    });
  });
});
