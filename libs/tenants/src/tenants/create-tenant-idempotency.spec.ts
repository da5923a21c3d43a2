import { createdApiKeySchema, createTenantResponseSchema } from '@tenantry/contracts';
import { IDEMPOTENCY_COLLECTION } from '@tenantry/http';
import { defineCollection } from '@tenantry/persistence';
import { z } from 'zod';
import { ADMIN, startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';

/** A read-only view of the idempotency records, to look at what is really stored. */
const storedRecords = defineCollection({ name: IDEMPOTENCY_COLLECTION, schema: z.looseObject({}) });

describe('Idempotency-Key on tenant and key creation', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  const create = (body: unknown, key: string) => h.call(ADMIN, 'POST', '/api/v1/tenants', { body, headers: { 'idempotency-key': key } });
  const tenantsNamed = async (name: string) => {
    const page = (await h.call(ADMIN, 'GET', '/api/v1/tenants?limit=100')).body as { items: Array<{ name: string }> };
    return page.items.filter((tenant) => tenant.name === name);
  };

  it('when a create is retried with the same key and body, then the same tenant and key come back, replayed, and one tenant exists', async () => {
    const first = await create({ name: 'Retry Ltd' }, 'create-retry-1');
    const second = await create({ name: 'Retry Ltd' }, 'create-retry-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.body).toEqual(first.body);
    const { tenant } = createTenantResponseSchema.parse(first.body);
    expect(await tenantsNamed('Retry Ltd')).toHaveLength(1);
    await h.waitForEvents(tenant.id, 'tenant.created');
    await h.call(ADMIN, 'PUT', `/api/v1/tenants/${tenant.id}`, { body: { name: 'Retry Ltd (renamed)' } });
    await h.waitForEvents(tenant.id, 'tenant.updated');
    expect(h.eventsOf(tenant.id, 'tenant.created')).toHaveLength(1);
  });

  it('when the same key is reused with a different body, then 422 and nothing is created', async () => {
    await create({ name: 'First body' }, 'create-reuse-1');
    const reply = await create({ name: 'Second body' }, 'create-reuse-1');
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(await tenantsNamed('Second body')).toHaveLength(0);
  });

  it('when the same create is sent concurrently, then exactly one tenant is created and every answer is that tenant or 409 in progress', async () => {
    const replies = await Promise.all(Array.from({ length: 6 }, () => create({ name: 'Concurrent Co' }, 'create-concurrent-1')));
    expect(await tenantsNamed('Concurrent Co')).toHaveLength(1);
    const ids = new Set<string>();
    for (const reply of replies) {
      expect([201, 409]).toContain(reply.status);
      if (reply.status === 201) ids.add(createTenantResponseSchema.parse(reply.body).tenant.id);
      else expect(reply.body).toMatchObject({ detail: expect.stringContaining('in progress') });
    }
    expect(ids.size).toBe(1);
  });

  it('when a create response is kept for replay, then the database holds neither the plaintext key nor the Idempotency-Key', async () => {
    const idempotencyKey = 'create-sealed-7f1c2a';
    const reply = await create({ name: 'Sealed GmbH', billing_email: 'sealed@acme.test' }, idempotencyKey);
    const { api_key: apiKey } = createTenantResponseSchema.parse(reply.body);
    const records = await h.platform.persistence.repository(storedRecords);
    const everything = JSON.stringify((await records.admin.listAcrossTenants({ limit: 1000 })).items);
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(apiKey.key);
    expect(everything).not.toContain(apiKey.key.slice(21));
    expect(everything).not.toContain(idempotencyKey);
    expect(everything).not.toContain('sealed@acme.test');
  });

  it('when an invalid create is retried with a fixed body and the same key, then the fixed one runs (validation failures are not recorded)', async () => {
    expect((await create({ name: '' }, 'create-fixed-1')).status).toBe(400);
    expect((await create({ name: 'Fixed AG' }, 'create-fixed-1')).status).toBe(201);
  });

  it('when two tenants use the same Idempotency-Key for their own keys, then each gets its own key', async () => {
    const [a, b] = [await h.createTenant({ name: 'Key A' }), await h.createTenant({ name: 'Key B' })];
    const issue = (tenantId: string) =>
      h.call(tenantKey(tenantId), 'POST', `/api/v1/tenants/${tenantId}/api-keys`, {
        body: { name: 'ci' },
        headers: { 'idempotency-key': 'shared-key-1' },
      });
    const fromA = createdApiKeySchema.parse((await issue(a.tenant.id)).body);
    const replyB = await issue(b.tenant.id);
    expect(replyB.headers.get('idempotent-replayed')).toBeNull();
    const fromB = createdApiKeySchema.parse(replyB.body);
    expect(fromB.tenant_id).toBe(b.tenant.id);
    expect(fromB.key).not.toBe(fromA.key);
    const replayA = await issue(a.tenant.id);
    expect(replayA.headers.get('idempotent-replayed')).toBe('true');
    expect(createdApiKeySchema.parse(replayA.body).key).toBe(fromA.key);
  });

  it('when a rotation is retried with the same key, then the same replacement comes back and only one rotation happened', async () => {
    const { tenant, api_key: apiKey } = await h.createTenant();
    const rotate = () =>
      h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/api-keys/${apiKey.id}/rotate`, { headers: { 'idempotency-key': 'rotate-once' } });
    const first = await rotate();
    const second = await rotate();
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const keys = (await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}/api-keys`)).body as { items: unknown[] };
    expect(keys.items).toHaveLength(2);
  });

  it('when the Idempotency-Key is malformed, then 400 names the header and nothing is created', async () => {
    const reply = await create({ name: 'Bad Key Inc' }, 'x'.repeat(300));
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: [expect.objectContaining({ field: 'headers.idempotency-key' })] });
    expect(await tenantsNamed('Bad Key Inc')).toHaveLength(0);
  });
});
