import { describeWithInfra, eventually, RawConnection } from '@tenantry/testing';
import { type CreatedTenant, createSettledTenants, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const ATTACKERS = 260;

/**
 * Issue 9, finding 2: 260 streamed PUTs trickling their bodies held every connection of the shared
 * upstream pool, and every other tenant's and the admin's requests timed out. The gateway now reads a
 * body whole before it takes an upstream connection, within GATEWAY_BODY_TIMEOUT.
 */
describeWithInfra('bulkheads: one tenant cannot starve the others', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() =>
    realInfraEnv(infra, {
      // The attacker's rate limit is not what is under test here.
      RATE_LIMIT_OVERRIDES: '{"pro":{"requestsPerMinute":100000}}',
      GATEWAY_BODY_TIMEOUT: '5s',
    }),
  );
  let attacker: CreatedTenant;
  let victim: CreatedTenant;

  beforeAll(async () => {
    [attacker, victim] = (await createSettledTenants(admin, { subscription_tier: 'pro' }, { subscription_tier: 'pro' })) as [
      CreatedTenant,
      CreatedTenant,
    ];
  }, 60_000);

  it("when one tenant holds 260 PUTs that trickle their bodies, then another tenant's and the admin's requests are served meanwhile, and the trickled ones end with a 408 problem", async () => {
    const connections = await Promise.all(Array.from({ length: ATTACKERS }, () => RawConnection.open(admin.baseUrl)));
    try {
      for (const connection of connections) {
        connection.write(
          `PUT /api/v1/tenants/${attacker.tenant.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${attacker.api_key.key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
        );
      }
      const asVictim = admin.as(victim.api_key.key);
      const read = await asVictim.get<{ id: string }>(`/api/v1/tenants/${victim.tenant.id}`, { 'cache-control': 'no-cache' });
      const write = await asVictim.put<{ name: string }>(`/api/v1/tenants/${victim.tenant.id}`, { name: 'Still served' });
      const asAdmin = await admin.get<{ id: string }>(`/api/v1/tenants/${attacker.tenant.id}`);
      const stillHeld = connections.filter((connection) => !connection.isClosed && connection.pendingBytes === 0).length;

      expect([read.status, write.status, asAdmin.status]).toEqual([200, 200, 200]);
      expect(read.body.id).toBe(victim.tenant.id);
      expect(write.body.name).toBe('Still served');
      expect(stillHeld).toBe(ATTACKERS);

      const cut = await connections[0]?.read({ timeoutMs: 20_000 });
      expect(cut?.status).toBe(408);
      expect(JSON.parse(cut?.body ?? '{}')).toMatchObject({ status: 408, instance: `/api/v1/tenants/${attacker.tenant.id}` });
      await eventually(() => connections.every((connection) => connection.isClosed), {
        timeoutMs: 20_000,
        description: 'every trickling connection to be closed',
      });
    } finally {
      for (const connection of connections) connection.close();
    }
    const unchanged = await admin.get<{ name: string }>(`/api/v1/tenants/${attacker.tenant.id}`);
    expect(unchanged.body.name).toBe(attacker.tenant.name);
  }, 60_000);
});
