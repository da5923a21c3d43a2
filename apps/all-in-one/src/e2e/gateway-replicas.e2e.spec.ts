import type { RunningServices } from '@tenantry/runtime';
import { controlInfra, describeWithInfra, eventually } from '@tenantry/testing';
import {
  adminClient,
  Client,
  createSettledTenants,
  createTenant,
  realInfraEnv,
  startExtraGateway,
  startPlatform,
  type CreatedTenant,
} from '../test-support/e2e-harness';

/** Two gateways sharing Redis and Kafka, as two replicas behind a load balancer would. */
describeWithInfra('two gateway replicas on shared Redis', ['kafka', 'mongo', 'redis'], (infra) => {
  let platform: RunningServices;
  let second: RunningServices;
  let gatewayA: Client;
  let gatewayB: Client;

  beforeAll(async () => {
    const env = realInfraEnv(infra);
    platform = await startPlatform(env);
    second = await startExtraGateway(env, platform);
    gatewayA = adminClient(platform);
    gatewayB = adminClient(second);
  }, 90_000);
  afterAll(async () => {
    await second?.shutdown();
    await platform?.shutdown();
  });

  it("when 64 concurrent requests of one tenant hit both replicas, then exactly the plan's per-minute quota is admitted", async () => {
    const { tenant, api_key: apiKey } = await createTenant(gatewayA); // basic: 10 requests/minute
    const clients = [gatewayA.as(apiKey.key), gatewayB.as(apiKey.key)];
    const responses = await Promise.all(
      Array.from({ length: 64 }, (_, i) => clients[i % 2]?.get(`/api/v1/tenants/${tenant.id}/features?n=${i}`)),
    );
    const statuses = responses.map((response) => response?.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(54);
  });

  it('when a key is revoked through one replica, then the other refuses it within a second', async () => {
    const { tenant, api_key: apiKey } = await createTenant(gatewayA, { subscription_tier: 'pro' });
    const onB = gatewayB.as(apiKey.key);
    expect((await onB.get(`/api/v1/tenants/${tenant.id}`)).status).toBe(200); // B now remembers the key

    expect((await gatewayA.delete(`/api/v1/tenants/${tenant.id}/api-keys/${apiKey.id}`)).status).toBe(204);
    // B remembers keys for 30 s (GATEWAY_KEY_CACHE_TTL): refusing it well before, only the revocation event can explain it.
    await eventually(async () => (await onB.get(`/api/v1/tenants/${tenant.id}`)).status === 401, {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'replica B to refuse the revoked key',
    });
  });

  it('when Redis stops mid-test, then the gateway keeps serving, says so on its operator /health, and recovers when Redis is back', async () => {
    const [{ tenant, api_key: apiKey }] = (await createSettledTenants(gatewayA, { subscription_tier: 'pro' })) as [CreatedTenant];
    const asTenant = gatewayA.as(apiKey.key);
    await asTenant.get(`/api/v1/tenants/${tenant.id}`);
    expect((await asTenant.get(`/api/v1/tenants/${tenant.id}`)).headers.get('x-cache-status')).toBe('HIT');

    await controlInfra('stop', 'redis');
    try {
      const during = await asTenant.get(`/api/v1/tenants/${tenant.id}`);
      expect(during.status).toBe(200);
      expect(during.headers.get('x-cache-status')).toBe('BYPASS');
      const health = await gatewayA.operator().get<{ degraded: string[] }>('/health');
      expect(health.body.degraded.join(' ')).toMatch(/rate limits are enforced per gateway process/);
      expect(health.body.degraded.join(' ')).toMatch(/response cache bypassed/);
    } finally {
      await controlInfra('start', 'redis');
    }
    await eventually(
      async () => {
        await asTenant.get(`/api/v1/tenants/${tenant.id}`);
        return (await asTenant.get(`/api/v1/tenants/${tenant.id}`)).headers.get('x-cache-status') === 'HIT';
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'the response cache to be used again' },
    );
    // The limiter probes Redis at most once a second, so its recovery may trail the cache's.
    await eventually(async () => (await gatewayA.operator().get<{ degraded: string[] }>('/health')).body.degraded.length === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
      description: '/health to stop reporting degraded components',
    });
  });
});
