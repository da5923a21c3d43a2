import { createServer, type Server } from 'node:net';
import { createHttpApp } from '@tenantry/http';
import { runServices, type RunningServices, type ServiceDefinition } from './run-services';
import type { InfrastructureNeeds, Platform } from './platform';

const options = (env: NodeJS.ProcessEnv = {}) => ({
  processName: 'test',
  env: { LOG_LEVEL: 'silent', ...env },
  ports: { gateway: 0, tenants: 0, billing: 0 },
  host: '127.0.0.1',
  exit: () => undefined,
  notice: () => undefined,
});

/** A service that keeps the platform it was given and serves the platform's `/ready`. */
function service(name: 'gateway' | 'tenants' | 'billing', needs: InfrastructureNeeds, seen: Map<string, Platform>): ServiceDefinition {
  return {
    name,
    needs,
    start: (platform, logger) => {
      seen.set(name, platform);
      return { app: createHttpApp({ service: name, logger, readiness: platform.readiness, configure: () => undefined }) };
    },
  };
}

/** A TCP listener standing where MongoDB would be: it only counts who connects. */
async function countingListener(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections: () => connections };
}

const readyOf = async (running: RunningServices, name: 'gateway' | 'tenants' | 'billing') => {
  const response = await fetch(`${running.servers.get(name)?.url}/ready`);
  return { status: response.status, checks: ((await response.json()) as { checks: Record<string, unknown> }).checks };
};

describe('runServices opens only the infrastructure its services declare', () => {
  let running: RunningServices | undefined;
  afterEach(async () => {
    await running?.shutdown();
    running = undefined;
  });

  it('when no service of the process needs the database, then none is connected to (MONGODB_URI set) and /ready checks only what was opened', async () => {
    const database = await countingListener();
    try {
      const seen = new Map<string, Platform>();
      running = await runServices(
        [service('gateway', { persistence: false, eventBus: true, cache: true }, seen)],
        options({
          MONGODB_URI: `mongodb://127.0.0.1:${database.port}/tenantry`,
          ADMIN_API_KEY: 'admin-key-for-runtime-tests-0123456789abcdef',
          INTERNAL_SECRET: 'internal-secret-for-runtime-tests-0123456789',
        }),
      );
      expect(running.platform.config.infra.storage.adapter).toBe('mongodb');
      expect(running.platform.opened).toEqual({ persistence: false, eventBus: true, cache: true });
      expect(await readyOf(running, 'gateway')).toEqual({
        status: 200,
        checks: { 'event-bus': expect.objectContaining({ status: 'up' }), cache: expect.objectContaining({ status: 'up' }) },
      });
      expect(() => running?.platform.persistence).toThrow(
        'This test process did not open persistence (the database): none of its services declares needs.persistence',
      );
      expect(() => running?.platform.outboxRelay).toThrow('did not open persistence');
      expect(database.connections()).toBe(0);
    } finally {
      await new Promise((resolve) => database.server.close(resolve));
    }
  });

  it('when one service of the process needs the database, then the process opens it once, and a service that did not declare it still cannot use it', async () => {
    const seen = new Map<string, Platform>();
    running = await runServices(
      [
        service('tenants', { persistence: true, eventBus: true, cache: false }, seen),
        service('gateway', { persistence: false, eventBus: true, cache: true }, seen),
      ],
      options(),
    );
    expect(running.platform.opened).toEqual({ persistence: true, eventBus: true, cache: true });
    expect(seen.get('tenants')?.persistence).toBe(running.platform.persistence);
    expect(seen.get('tenants')?.bus).toBe(running.platform.bus);
    expect(seen.get('gateway')?.bus).toBe(running.platform.bus);
    expect(() => seen.get('gateway')?.persistence).toThrow(
      'The gateway service uses persistence (the database), which its ServiceDefinition does not declare: set needs.persistence to true.',
    );
    expect(() => seen.get('gateway')?.outboxRelay).toThrow('The gateway service uses persistence');
    expect(() => seen.get('tenants')?.cache).toThrow('The tenants service uses the cache, which its ServiceDefinition does not declare');
    // Readiness is the process's: every service of it checks all that the process opened.
    for (const name of ['tenants', 'gateway'] as const) {
      expect(Object.keys((await readyOf(running, name)).checks).sort()).toEqual(['cache', 'event-bus', 'storage']);
    }
  });

  it('when a service needs the database but did not say the event bus, then the bus is opened for the outbox relay, yet only the relay uses it', async () => {
    const seen = new Map<string, Platform>();
    running = await runServices([service('billing', { persistence: true, eventBus: false, cache: false }, seen)], options());
    expect(running.platform.opened).toEqual({ persistence: true, eventBus: true, cache: false });
    expect(seen.get('billing')?.outboxRelay).toBe(running.platform.outboxRelay);
    expect(() => seen.get('billing')?.bus).toThrow('The billing service uses the event bus, which its ServiceDefinition does not declare');
    expect(Object.keys((await readyOf(running, 'billing')).checks).sort()).toEqual(['event-bus', 'storage']);
  });

  it('when no service needs anything, then nothing is opened and /ready has nothing to wait for', async () => {
    running = await runServices([service('billing', { persistence: false, eventBus: false, cache: false }, new Map())], options());
    expect(running.platform.opened).toEqual({ persistence: false, eventBus: false, cache: false });
    expect(await readyOf(running, 'billing')).toEqual({ status: 200, checks: {} });
    expect(() => running?.platform.bus).toThrow('This test process did not open the event bus');
  });
});
