import { controlInfra, describeWithInfra, eventually } from '@tenantry/testing';
import { createTenant, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

interface Usage {
  api_calls: { today: { used: number } };
}

/** Usage metering end to end: gateway → `metric.recorded` on Kafka → the tenants service's counters. */
describeWithInfra('usage metering through Kafka', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));

  // The admin's own requests are not metered, so reading the usage does not change it.
  const usedToday = async (tenantId: string): Promise<number> =>
    (await admin.get<Usage>(`/api/v1/tenants/${tenantId}/usage`)).body.api_calls.today.used;

  it('when Kafka stops while a tenant keeps calling and then comes back, then every call is counted exactly once', async () => {
    const { tenant, api_key: apiKey } = await createTenant(admin, { subscription_tier: 'pro' });
    const asTenant = admin.as(apiKey.key);
    for (let i = 0; i < 5; i += 1) expect((await asTenant.get(`/api/v1/tenants/${tenant.id}/features?before=${i}`)).status).toBe(200);
    await eventually(async () => (await usedToday(tenant.id)) === 5, { timeoutMs: 10_000, description: 'the first 5 calls to be counted' });

    await controlInfra('stop', 'kafka');
    try {
      // Cached reads and proxied reads both count; the gateway keeps serving without Kafka.
      for (let i = 0; i < 7; i += 1) expect((await asTenant.get(`/api/v1/tenants/${tenant.id}/features?during=${i % 3}`)).status).toBe(200);
      expect(await usedToday(tenant.id)).toBe(5);
    } finally {
      await controlInfra('start', 'kafka');
    }

    await eventually(async () => (await usedToday(tenant.id)) === 12, {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'the calls made while Kafka was down to be counted',
    });
    // And not more than once: once the gateway has nothing left to publish, the count is still 12.
    await eventually(
      async () => (await admin.operator().get<{ metering: { pending_events: number } }>('/health')).body.metering.pending_events === 0,
    );
    expect(await usedToday(tenant.id)).toBe(12);
  }, 120_000);
});
