import { createTenantResponseSchema, tenantUsageResponseSchema } from '@tenantry/contracts';
import { describeWithInfra, eventually } from '@tenantry/testing';
import { metricBatch, sample } from './test-support/metric-batches';
import { ADMIN, startTenantsHarness, tenantKey, type TenantsHarness } from './test-support/tenants-harness';

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
    expect(event).toMatchObject({ subject: tenant.id, data: { tenantId: tenant.id, name: 'Kafka Created', timezone: 'Europe/Ljubljana', status: 'trial' } });
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
      [first, second, first, second].map((instance) => instance.call(ADMIN, 'POST', '/api/v1/tenants', { body, headers: { 'idempotency-key': key } })),
    );
    const ids = new Set(replies.filter((reply) => reply.status === 201).map((reply) => createTenantResponseSchema.parse(reply.body).tenant.id));
    expect(ids.size).toBe(1);
    expect(replies.every((reply) => reply.status === 201 || reply.status === 409)).toBe(true);
  });

  it("when the gateway's metric batch is delivered twice through Kafka, then usage counts it once", async () => {
    const { tenant } = await first.createTenant({ name: 'Metered', timezone: 'America/New_York' });
    const batch = metricBatch(tenant.id, new Date(), [sample(21), sample(4, 1)]);
    await first.platform.bus.publish([batch]);
    await second.platform.bus.publish([batch, metricBatch(tenant.id, new Date(), [sample(2)])]);
    const usage = await eventually(
      async () => {
        const reply = await second.call(tenantKey(tenant.id), 'GET', `/api/v1/tenants/${tenant.id}/usage`);
        const current = tenantUsageResponseSchema.parse(reply.body);
        return current.apiCalls.today.used >= 26 ? current : false;
      },
      { timeoutMs: 60_000, description: 'the metered calls to be counted' },
    );
    expect(usage.apiCalls.today.used).toBe(26);
    expect(usage.apiCalls.month.used).toBe(26);
  });
});
