import { KafkaEventBus } from '@tenantry/event-bus';
import type { RunningServices } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { callGateway, planChanged, startGatewayProcess, StubServices } from './test-support/gateway-harness';

interface PlansInForceHealth {
  plans_in_force: { tenants: number; applied: number; ignored_as_older: number };
}

/**
 * The gateway as `apps/gateway` runs it, on real Kafka and Redis, in front of a stand-in tenants service
 * that keeps answering the OLD plan: a subscription event published to Kafka (as billing would) must
 * change the tenant's limits and features within a second, and an older one arriving later must not.
 */
describeWithInfra('gateway applies plan changes from Kafka live', ['kafka', 'redis'], (infra) => {
  jest.setTimeout(60_000);
  let stub: StubServices;
  let gateway: RunningServices;
  let billing: KafkaEventBus;
  let gatewayUrl: string;

  beforeAll(async () => {
    stub = new StubServices();
    const stubUrl = await stub.start();
    gateway = await startGatewayProcess(stubUrl, { KAFKA_BROKERS: infra.kafkaBrokers.join(','), REDIS_URL: infra.redisUrl });
    gatewayUrl = gateway.servers.get('gateway')?.url ?? '';
    // Billing's producer: another process's Kafka client, on the topics the gateway consumes.
    billing = new KafkaEventBus({
      brokers: infra.kafkaBrokers,
      clientId: 'gateway-int-billing',
      logger: createLogger({ service: 'billing', level: 'silent' }),
    });
  }, 60_000);

  afterAll(async () => {
    await billing?.close();
    await gateway?.shutdown();
    await stub?.close();
  });

  const get = (path: string, key: string) => callGateway(gatewayUrl, path, key);
  const minuteQuota = async (tenantId: string, key: string, n: string) =>
    /"minute";q=(\d+)/.exec((await get(`/api/v1/tenants/${tenantId}?n=${n}`, key)).headers.get('ratelimit-policy') ?? '')?.[1];
  // The gateway's state is on its operator listener, never on the public door.
  const plansInForce = async () =>
    ((await (await fetch(`${gateway.operatorServers.get('gateway')?.url ?? ''}/health`)).json()) as PlansInForceHealth).plans_in_force;

  it('when subscription.upgraded (basic → pro, revision 2) is published, then pro limits and the AI assistant apply as the event arrives (not when the key cache expires); an older downgrade afterwards changes nothing', async () => {
    const tenantId = uniqueName('ten');
    const key = stub.addTenant(tenantId, 'basic'); // the tenants service answers basic, subscription revision 1, throughout
    expect(await minuteQuota(tenantId, key, 'before')).toBe('10');
    expect((await get('/api/v1/ai-assistant/tasks', key)).status).toBe(403);

    await billing.publish([planChanged('subscription.upgraded', tenantId, { from: 'basic', to: 'pro', revision: 2 })]);
    // The stub keeps answering basic, and the gateway remembers the key for 30 s: only the event can open it.
    await eventually(async () => (await get('/api/v1/ai-assistant/tasks', key)).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'the AI assistant to open for the upgraded tenant',
    });
    expect(await minuteQuota(tenantId, key, 'after-upgrade')).toBe('100');
    expect(stub.identitiesOf(tenantId).at(-1)?.planId).toBe('pro');
    expect(stub.tenants.get(tenantId)).toMatchObject({ tier: 'basic', revision: 1 });

    const before = await plansInForce();
    await billing.publish([planChanged('subscription.downgraded', tenantId, { from: 'pro', to: 'basic', revision: 1 })]);
    // Other suites may publish subscription events on the shared broker: at least ours must have been ignored.
    await eventually(async () => (await plansInForce()).ignored_as_older > before.ignored_as_older, {
      timeoutMs: 5_000,
      description: 'the gateway to have consumed the older downgrade',
    });
    expect((await get('/api/v1/ai-assistant/tasks', key)).status).toBe(200);
    expect(await minuteQuota(tenantId, key, 'after-late-downgrade')).toBe('100');
    expect(stub.identitiesOf(tenantId).at(-1)?.planId).toBe('pro');
  });
});
