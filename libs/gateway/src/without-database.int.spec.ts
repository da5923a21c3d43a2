import { connect, createServer, type Server, type Socket } from 'node:net';
import type { RunningServices } from '@tenantry/runtime';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { callGateway, startGatewayProcess, StubServices } from './test-support/gateway-harness';

/**
 * A TCP proxy in front of the real FerretDB: MONGODB_URI points the gateway at it, and closing it takes
 * the database away from this gateway only (the shared database keeps serving everyone else).
 */
class DatabaseProxy {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      this.connections += 1;
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
  }

  /** Listens on a free loopback port; resolves to MONGODB_URI with the proxy in place of the real host. */
  async start(realUri: string): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    const uri = new URL(realUri);
    uri.host = `127.0.0.1:${address.port}`;
    return uri.toString();
  }

  /** The database is gone: open connections are cut and new ones refused. */
  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/**
 * The gateway as apps/gateway runs it, on real Kafka and Redis, with MONGODB_URI set (through the proxy)
 * as in a deployment, in front of stand-in services: when the database goes away, the gateway keeps
 * serving cached answers, forwarding to the services that answer, and stays in rotation (`/ready` 200).
 */
describeWithInfra('the gateway without its database', ['kafka', 'mongo', 'redis'], (infra) => {
  jest.setTimeout(60_000);
  let stub: StubServices;
  let proxy: DatabaseProxy;
  let gateway: RunningServices;
  let gatewayUrl: string;

  beforeAll(async () => {
    stub = new StubServices();
    const stubUrl = await stub.start();
    const real = new URL(infra.mongodbUri);
    proxy = new DatabaseProxy({ host: real.hostname, port: Number(real.port || 27017) });
    gateway = await startGatewayProcess(stubUrl, {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      MONGODB_URI: await proxy.start(infra.mongodbUri),
      REDIS_URL: infra.redisUrl,
    });
    gatewayUrl = gateway.servers.get('gateway')?.url ?? '';
  }, 60_000);

  afterAll(async () => {
    await gateway?.shutdown();
    await stub?.close();
    await proxy?.close();
  });

  const ready = async () => {
    const response = await fetch(`${gatewayUrl}/ready`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, { status: string }> } };
  };

  it('when the database goes away, then cached GETs still answer HIT, requests to services that answer are forwarded, and /ready stays 200', async () => {
    const tenantId = uniqueName('ten');
    const key = stub.addTenant(tenantId);
    const cachedPath = `/api/v1/tenants/${tenantId}/features`;
    expect((await callGateway(gatewayUrl, cachedPath, key)).headers.get('x-cache-status')).toBe('MISS');
    // The entry is written to Redis after the answer: warm until it is served from there.
    await eventually(async () => (await callGateway(gatewayUrl, cachedPath, key)).headers.get('x-cache-status') === 'HIT', {
      timeoutMs: 10_000,
      description: 'the response cache to hold the entry',
    });
    expect((await ready()).status).toBe(200);

    await proxy.close();

    const hit = await callGateway(gatewayUrl, cachedPath, key);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache-status')).toBe('HIT');

    const forwardedBefore = stub.identitiesOf(tenantId).length;
    const forwarded = await callGateway(gatewayUrl, `/api/v1/monetization/invoices?tenant=${tenantId}`, key);
    expect(forwarded.status).toBe(200);
    expect(forwarded.headers.get('x-cache-status')).toBe('MISS');
    expect(((await forwarded.json()) as { url: string }).url).toBe(`/api/v1/monetization/invoices?tenant=${tenantId}`);
    expect(stub.identitiesOf(tenantId)).toHaveLength(forwardedBefore + 1);

    const afterwards = await ready();
    expect(afterwards.status).toBe(200);
    expect(afterwards.body.checks).toMatchObject({ 'event-bus': { status: 'up' }, cache: { status: 'up' } });
    expect(afterwards.body.checks).not.toHaveProperty('storage');
    // It never needed the database in the first place.
    expect(proxy.connections).toBe(0);
  });
});
