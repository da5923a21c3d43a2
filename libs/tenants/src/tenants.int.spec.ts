import { createTenantResponseSchema, resolvedApiKeySchema } from '@tenantry/contracts';
import { describeWithInfra } from '@tenantry/testing';
import { deliverInOrder, republished, subscriptionEvents as billing } from './test-support/subscription-events';
import { ADMIN, GATEWAY, startTenantsHarness, tenantKey, type TenantsHarness } from './test-support/tenants-harness';

jest.setTimeout(90_000);

describeWithInfra('tenants service on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    MONGODB_URI: infra.mongodbUri,
    ADMIN_API_KEY: 'int-test-admin-key'.padEnd(40, 'a'),
  };
  // Two instances of the service, each with its own platform (database connection, Kafka clients),
  // sharing the database and the broker as two replicas would.
  let first: TenantsHarness;
  let second: TenantsHarness;

  beforeAll(async () => {
    first = await startTenantsHarness({ env });
    second = await startTenantsHarness({ env });
  });
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
  });

  it('when a tenant is created, then tenant.created arrives through Kafka', async () => {
    const { tenant } = await first.createTenant({ name: 'Kafka Created', timezone: 'Europe/Ljubljana' });
    const [event] = await first.waitForEvents(tenant.id, 'tenant.created');
    expect(event).toMatchObject({
      subject: tenant.id,
      data: { tenant_id: tenant.id, name: 'Kafka Created', timezone: 'Europe/Ljubljana', status: 'trial' },
    });
  });

  it('when its status changes, then tenant.status_changed arrives, and the other instance reads the new status', async () => {
    const { tenant } = await first.createTenant({ name: 'Kafka Status' });
    const reply = await first.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'active', reason: 'paid' } });
    expect(reply.status).toBe(200);
    const [event] = await first.waitForEvents(tenant.id, 'tenant.status_changed');
    expect(event?.data).toMatchObject({ from: 'trial', to: 'active', reason: 'paid' });
    expect((await second.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toMatchObject({ status: 'active' });
  });

  it('when a create is retried on another instance with the same Idempotency-Key, then the first result is replayed', async () => {
    const key = `int-create-${Date.now()}`;
    const body = { name: `Idempotent ${key}` };
    const one = await first.call(ADMIN, 'POST', '/api/v1/tenants', { body, headers: { 'idempotency-key': key } });
    const two = await second.call(ADMIN, 'POST', '/api/v1/tenants', { body, headers: { 'idempotency-key': key } });
    expect(one.status).toBe(201);
    expect(two.status).toBe(201);
    expect(two.headers.get('idempotent-replayed')).toBe('true');
    expect(two.body).toEqual(one.body);
    const different = await second.call(ADMIN, 'POST', '/api/v1/tenants', { body: { name: 'Other' }, headers: { 'idempotency-key': key } });
    expect(different.status).toBe(422);
  });

  it('when both instances get the same create at once, then exactly one tenant is created', async () => {
    const key = `int-race-${Date.now()}`;
    const body = { name: `Race ${key}` };
    const replies = await Promise.all(
      [first, second, first, second].map((instance) =>
        instance.call(ADMIN, 'POST', '/api/v1/tenants', { body, headers: { 'idempotency-key': key } }),
      ),
    );
    const ids = new Set(
      replies.filter((reply) => reply.status === 201).map((reply) => createTenantResponseSchema.parse(reply.body).tenant.id),
    );
    expect(ids.size).toBe(1);
    expect(replies.every((reply) => reply.status === 201 || reply.status === 409)).toBe(true);
  });

  it('when subscription events come through Kafka twice and out of order, then both instances show the newest plan and revision', async () => {
    const { tenant, api_key: apiKey } = await first.createTenant({ name: 'Subscribed' });
    await first.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status: 'active' } });
    const upgrade = billing.upgraded(tenant.id, 3, 'pro', 'enterprise');
    // Newest first, then the older ones it overtook (each applied before the next is published).
    await deliverInOrder(
      first.platform,
      [upgrade, billing.downgraded(tenant.id, 2, 'enterprise', 'pro'), billing.created(tenant.id, 1, 'pro', 'active')],
      60_000,
    );
    // The very same event again, then a copy under a new id (what a crash before "processed" would redeliver):
    // on the same topic and key, so the copy is handled only after the duplicate.
    await second.platform.bus.publish([upgrade]);
    await deliverInOrder(second.platform, [republished(upgrade)], 60_000);

    for (const instance of [first, second]) {
      expect((await instance.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toMatchObject({
        subscription_tier: 'enterprise',
        status: 'active',
      });
      expect((await instance.call(tenantKey(tenant.id), 'GET', `/api/v1/tenants/${tenant.id}/features`)).body).toMatchObject({
        subscription_tier: 'enterprise',
      });
      const resolved = resolvedApiKeySchema.parse((await instance.call(GATEWAY, 'GET', `/internal/v1/api-keys/${apiKey.id}`)).body);
      expect(resolved.tenant).toMatchObject({ subscriptionTier: 'enterprise', subscriptionRevision: 3 });
    }
  });

  it('when billing cancels the subscription, then the tenant is cancelled and tenant.status_changed (system) arrives through Kafka', async () => {
    const { tenant, api_key: apiKey } = await first.createTenant({ name: 'Leaving by billing' });
    await deliverInOrder(second.platform, [billing.cancelled(tenant.id, 2, 'basic')], 60_000);
    const [changed] = await first.waitForEvents(tenant.id, 'tenant.status_changed');
    expect(changed?.data).toMatchObject({ from: 'trial', to: 'cancelled', reason: 'subscription cancelled', changed_by: 'system' });
    expect((await second.call(ADMIN, 'GET', `/api/v1/tenants/${tenant.id}`)).body).toMatchObject({
      status: 'cancelled',
      status_reason: 'subscription cancelled',
    });
    const resolved = resolvedApiKeySchema.parse((await first.call(GATEWAY, 'GET', `/internal/v1/api-keys/${apiKey.id}`)).body);
    expect(resolved).toMatchObject({ revokedAt: expect.any(String), tenant: { status: 'cancelled', subscriptionRevision: 2 } });
  });
});
