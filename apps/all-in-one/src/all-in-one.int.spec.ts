import { runServices, type RunningServices } from '@tenantry/runtime';
import { describeWithInfra, eventually } from '@tenantry/testing';
import { allServices } from './services';

describeWithInfra('all-in-one process on real infrastructure', ['kafka', 'mongo', 'redis'], (infra) => {
  let running: RunningServices;

  beforeAll(async () => {
    running = await runServices(allServices, {
      processName: 'all-in-one',
      env: {
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        MONGODB_URI: infra.mongodbUri,
        REDIS_URL: infra.redisUrl,
        ADMIN_API_KEY: 'integration-test-admin-key-0123456789abcdef',
        INTERNAL_SECRET: 'integration-test-internal-secret-0123456789',
        LOG_LEVEL: 'silent',
        GATEWAY_ADMIN_PORT: '0',
      },
      ports: { gateway: 0, tenants: 0, billing: 0, observability: 0, 'ai-assistant': 0 },
      host: '127.0.0.1',
      exit: () => undefined,
    });
  }, 60_000);

  afterAll(() => running?.shutdown());

  it('when KAFKA_BROKERS, MONGODB_URI and REDIS_URL are set, then the same process uses Kafka, MongoDB and Redis', async () => {
    expect(running.platform.config.infra).toMatchObject({
      mode: 'real',
      eventBus: { adapter: 'kafka' },
      storage: { adapter: 'mongodb' },
      cache: { adapter: 'redis' },
    });
    expect(running.platform.persistence.kind).toBe('mongodb');
    // Connections are established in the background: readiness turns green once all three answer.
    const checks = await eventually(
      async () => {
        const ready = await fetch(`${running.servers.get('tenants')?.url}/ready`);
        const body = (await ready.json()) as { checks: unknown };
        if (ready.status !== 200) throw new Error(`/ready answered ${ready.status}: ${JSON.stringify(body)}`);
        return body.checks;
      },
      { timeoutMs: 20_000, description: 'the tenants service to be ready' },
    );
    expect(checks).toMatchObject({ 'event-bus': { status: 'up' }, storage: { status: 'up' }, cache: { status: 'up' } });
  });
});
