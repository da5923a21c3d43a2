import { apiKeyViewSchema, type TenantStatus } from '@tenantry/contracts';
import { pageSchema } from '@tenantry/http';
import { apiKeysCollection } from '../api-keys/api-key.collection';
import { ADMIN, GATEWAY, startTenantsHarness, type TenantsHarness } from '../test-support/tenants-harness';

const STATUSES: TenantStatus[] = ['trial', 'active', 'suspended', 'cancelled'];
const ALLOWED = new Set([
  'trial>active',
  'trial>suspended',
  'trial>cancelled',
  'active>suspended',
  'active>cancelled',
  'suspended>active',
  'suspended>cancelled',
]);
const keyPage = pageSchema(apiKeyViewSchema);

describe('tenant status lifecycle', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  /** A new tenant brought to `status` the shortest allowed way. */
  async function tenantIn(status: TenantStatus): Promise<string> {
    const { tenant } = await h.createTenant({ name: `In ${status}` });
    if (status !== 'trial') {
      const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status } });
      if (reply.status !== 200) throw new Error(`could not bring the tenant to ${status}: ${reply.status}`);
    }
    return tenant.id;
  }

  const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to, ALLOWED.has(`${from}>${to}`)] as const));

  it('covers all 16 pairs, 7 of them allowed', () => {
    expect(pairs).toHaveLength(16);
    expect(pairs.filter(([, , allowed]) => allowed)).toHaveLength(7);
  });

  it.each(pairs.filter(([, , allowed]) => allowed))(
    'when %s → %s is asked for, then the tenant changes and tenant.status_changed says so',
    async (from, to) => {
      const tenantId = await tenantIn(from);
      const before = h.eventsOf(tenantId, 'tenant.status_changed').length;
      const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenantId}/status`, { body: { status: to, reason: 'ops ticket 42' } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: tenantId, status: to, status_reason: 'ops ticket 42', status_changed_at: expect.any(String) });
      const events = await h.waitForEvents(tenantId, 'tenant.status_changed', before + 1);
      expect(events.at(-1)?.data).toEqual({
        tenant_id: tenantId,
        from,
        to,
        reason: 'ops ticket 42',
        changed_by: 'admin',
        changed_at: expect.any(String),
        revision: expect.any(Number),
      });
    },
  );

  it.each(pairs.filter(([, , allowed]) => !allowed))(
    'when %s → %s is asked for, then 409 names both and nothing changes',
    async (from, to) => {
      const tenantId = await tenantIn(from);
      const eventsBefore = h.eventsOf(tenantId).length;
      const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenantId}/status`, { body: { status: to } });
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({
        type: 'https://tenantry.dev/problems/conflict',
        from,
        to,
        detail: expect.stringContaining(`from ${from} to ${to}`),
      });
      expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenantId}`)).body).toMatchObject({ status: from });
      expect(h.eventsOf(tenantId)).toHaveLength(eventsBefore);
    },
  );

  it('when a tenant is cancelled, then all its keys are revoked, each with tenant.api_key_revoked (tenant_cancelled)', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant({ name: 'Leaving' });
    const second = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/api-keys`, { body: { name: 'ci' } });
    const secondId = (second.body as { id: string }).id;
    const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, {
      body: { status: 'cancelled', reason: 'customer left' },
    });
    expect(reply.status).toBe(200);

    const keys = keyPage.parse((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}/api-keys`)).body).items;
    expect(keys.map((key) => [key.id, key.revoked_reason])).toEqual([
      [apiKey.id, 'tenant_cancelled'],
      [secondId, 'tenant_cancelled'],
    ]);
    const revoked = await h.waitForEvents(tenant.id, 'tenant.api_key_revoked', 2);
    expect(revoked.map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key_id: apiKey.id, reason: 'tenant_cancelled' }),
        expect.objectContaining({ key_id: secondId, reason: 'tenant_cancelled' }),
      ]),
    );
    const resolved = await h.call(GATEWAY, 'GET', `/internal/v1/api-keys/${apiKey.id}`);
    expect(resolved.body).toMatchObject({ revokedAt: expect.any(String), tenant: { status: 'cancelled' } });
  });

  it('when a cancellation left a key active (revocation failed part-way), then cancelling again revokes it and still answers 409', async () => {
    const { tenant } = await h.createTenant({ name: 'Half cancelled' });
    await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'cancelled' } });
    const keys = await h.platform.persistence.repository(apiKeysCollection);
    const leftover = await keys.insert(
      tenant.id,
      { prefix: 'tnt_leftover00000000', keyHash: 'a'.repeat(64), lastFour: 'abcd', scopes: [] },
      { id: 'key_leftover00000000' },
    );

    const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'cancelled' } });
    expect(reply.status).toBe(409);
    expect(await keys.findById(tenant.id, leftover.id)).toMatchObject({ revokedReason: 'tenant_cancelled', revokedAt: expect.any(Date) });
    const events = await h.waitForEvents(tenant.id, 'tenant.api_key_revoked', 2);
    expect(events.at(-1)?.data).toMatchObject({ key_id: leftover.id, reason: 'tenant_cancelled' });
  });

  it.each([
    ['an unknown status', { status: 'deleted' }, 'status'],
    ['a missing status', { reason: 'x' }, 'status'],
    ['a reason over 500 characters', { status: 'active', reason: 'r'.repeat(501) }, 'reason'],
    ['an unknown field', { status: 'active', by: 'me' }, 'by'],
  ])('when the body has %s, then 400 names the field and the status stays', async (_case, body, field) => {
    const tenantId = await tenantIn('trial');
    const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenantId}/status`, { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenantId}`)).body).toMatchObject({ status: 'trial' });
  });
});
