import { RedisCache, createRedisConnection } from '@tenantry/cache';
import type { RedisConnection } from '@tenantry/cache';
import { controlInfra, describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { ResponseCache } from './response-cache';
import { buildRequest, buildResponse, deferred, fakeUpstream, silentLogger } from './test-support/builders';
import type { UpstreamResponse } from './types';

describeWithInfra('ResponseCache on Redis (two gateway replicas)', ['redis'], (infra) => {
  jest.setTimeout(120_000);
  const connections: RedisConnection[] = [];

  /** One gateway replica: its own Redis connection, the shared Redis. */
  async function replica(): Promise<ResponseCache> {
    const connection = createRedisConnection({ url: infra.redisUrl, logger: silentLogger });
    connections.push(connection);
    await connection.waitUntilReady();
    return new ResponseCache({ cache: new RedisCache(connection), logger: silentLogger, enabled: true });
  }

  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('when replica A stores a response, then replica B hits it, another tenant misses, and a purge through B clears it for A', async () => {
    const [a, b] = [await replica(), await replica()];
    const tenant = uniqueName('tenant');
    const other = uniqueName('tenant');
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    const req = buildRequest({ tenantId: tenant, query: 'b=2&a=1' });

    expect((await a.serve(req, upstream.fetch)).status).toBe('MISS');
    const hit = await b.serve({ ...req, query: 'a=1&b=2' }, upstream.fetch);
    expect(hit.status).toBe('HIT');
    expect(hit.response.body.toString()).toBe('v1');
    expect((await b.serve({ ...req, tenantId: other }, upstream.fetch)).response.body.toString()).toBe('v2');

    await b.purgeTenant(tenant);
    const afterPurge = await a.serve(req, upstream.fetch);
    expect(afterPurge.status).toBe('MISS');
    expect(afterPurge.response.body.toString()).toBe('v3');
    expect((await a.serve({ ...req, tenantId: other }, upstream.fetch)).status).toBe('HIT');
    await Promise.all([a.purgeTenant(tenant), a.purgeTenant(other)]);
  });

  it('when 200 cold requests for one key arrive at two replicas at once, then upstream is called once in total', async () => {
    const [a, b] = [await replica(), await replica()];
    const tenant = uniqueName('tenant');
    const gate = deferred<UpstreamResponse>();
    const upstream = fakeUpstream(() => gate.promise);
    const req = buildRequest({ tenantId: tenant });

    const all = Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? a : b).serve(req, upstream.fetch));
    await eventually(() => upstream.calls >= 1, { description: 'the upstream call' });
    gate.resolve(buildResponse({ body: Buffer.from('once') }));
    const results = await Promise.all(all);

    expect(upstream.calls).toBe(1);
    expect(results.every((result) => result.response.body.toString() === 'once')).toBe(true);
    await a.purgeTenant(tenant);
  });

  it('when Redis stops mid-test, then requests are a BYPASS served from upstream; when it is back, caching resumes by itself', async () => {
    const a = await replica();
    const tenant = uniqueName('tenant');
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    const req = buildRequest({ tenantId: tenant });
    expect((await a.serve(req, upstream.fetch)).status).toBe('MISS');
    expect((await a.serve(req, upstream.fetch)).status).toBe('HIT');

    try {
      await controlInfra('stop', 'redis');
      for (let index = 0; index < 20; index += 1) {
        const during = await a.serve(req, upstream.fetch);
        expect(during.status).toBe('BYPASS');
        expect(during.response.statusCode).toBe(200);
      }
      expect(upstream.calls).toBe(21);
      expect(a.status()).toEqual({ enabled: true, degraded: true });
    } finally {
      await controlInfra('start', 'redis');
    }

    await eventually(async () => (await a.serve(req, upstream.fetch)).status !== 'BYPASS', {
      timeoutMs: 30_000,
      description: 'caching to resume',
    });
    expect(a.status().degraded).toBe(false);
    expect((await a.serve(req, upstream.fetch)).status).toBe('HIT');
    await a.purgeTenant(tenant);
  });
});
