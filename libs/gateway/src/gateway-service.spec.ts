import { createServer } from 'node:net';
import type { RunningServices } from '@tenantry/runtime';
import { gatewayService } from './gateway-service';
import { callGateway, startGatewayProcess, StubServices } from './test-support/gateway-harness';

/**
 * The gateway alone, as apps/gateway runs it, with MONGODB_URI pointing at a listener that only counts
 * connections: the gateway declares no database, so its process opens none and is ready without one.
 */
describe('the gateway alone needs no database', () => {
  let stub: StubServices;
  let gateway: RunningServices | undefined;
  let databaseConnections = 0;
  const database = createServer((socket) => {
    databaseConnections += 1;
    socket.destroy();
  });

  beforeAll(async () => {
    stub = new StubServices();
    const stubUrl = await stub.start();
    await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', resolve));
    const address = database.address();
    if (address === null || typeof address === 'string') throw new Error('the stand-in database has no port');
    gateway = await startGatewayProcess(stubUrl, { MONGODB_URI: `mongodb://127.0.0.1:${address.port}/tenantry` });
  });

  afterAll(async () => {
    await gateway?.shutdown();
    await stub?.close();
    await new Promise((resolve) => database.close(resolve));
  });

  const gatewayUrl = () => gateway?.servers.get('gateway')?.url ?? '';

  it('when it starts with MONGODB_URI set, then it opens the event bus and the cache but connects to no database', () => {
    expect(gatewayService.needs).toEqual({ persistence: false, eventBus: true, cache: true });
    expect(gateway?.platform.config.infra.storage.adapter).toBe('mongodb');
    expect(gateway?.platform.opened).toEqual({ persistence: false, eventBus: true, cache: true });
    expect(databaseConnections).toBe(0);
  });

  it('when /ready is probed, then it answers 200 on the event bus and the cache alone, with no storage check', async () => {
    const ready = await fetch(`${gatewayUrl()}/ready`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, { status: string }> };
    expect(Object.keys(checks).sort()).toEqual(['cache', 'event-bus']);
    expect(databaseConnections).toBe(0);
  });

  it('when a tenant calls a service, then the request is forwarded and answered', async () => {
    const key = stub.addTenant('ten_nodb');
    const response = await callGateway(gatewayUrl(), '/api/v1/tenants/ten_nodb/features', key);
    expect(response.status).toBe(200);
    expect(stub.identitiesOf('ten_nodb')).toHaveLength(1);
    expect(databaseConnections).toBe(0);
  });
});
