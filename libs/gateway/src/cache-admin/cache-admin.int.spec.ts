import { randomBytes } from 'node:crypto';
import { createRedisConnection, RedisCache, type RedisConnection, tenantKeyPattern } from '@tenantry/cache';
import { describeWithInfra, eventually } from '@tenantry/testing';
import { RESPONSES_NAMESPACE } from '../response-cache';
import { ADMIN_KEY, callGateway, silentLogger, startTestGateway, StubServices, type TestGateway } from '../test-support/gateway-harness';
import { CACHE_ADMIN_PREFIX } from './cache-admin.routes';

describeWithInfra('cache operations on Redis (two gateway replicas)', ['redis'], (infra) => {
  jest.setTimeout(60_000);
  const stub = new StubServices();
  const connections: RedisConnection[] = [];
  let a: TestGateway;
  let b: TestGateway;
  let redis: RedisCache;

  /** A replica on its own Redis connection; its statistics SCAN 5 keys a step and stop after 10 entries. */
  async function replica(stubUrl: string): Promise<TestGateway> {
    const connection = createRedisConnection({ url: infra.redisUrl, logger: silentLogger });
    connections.push(connection);
    await connection.waitUntilReady();
    return startTestGateway(stubUrl, { cache: new RedisCache(connection), cacheScan: { scanCount: 5, maxScannedKeys: 10 } });
  }

  beforeAll(async () => {
    const stubUrl = await stub.start();
    [a, b] = [await replica(stubUrl), await replica(stubUrl)];
    redis = new RedisCache(connections[0] as RedisConnection);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await Promise.all(connections.map((connection) => connection.close()));
    await stub.close();
  });

  const tenant = (name: string) => {
    const tenantId = `ten_${name}${randomBytes(6).toString('hex')}`;
    return { tenantId, key: stub.addTenant(tenantId) };
  };
  const status = async (gateway: TestGateway, path: string, key: string) =>
    (await callGateway(gateway.url, path, key)).headers.get('x-cache-status');
  interface Stats {
    entries: number;
    bytes: number;
    hits: number;
    truncated: boolean;
  }
  const admin = (gateway: TestGateway, path: string, init: RequestInit = {}) =>
    callGateway(gateway.url, `${CACHE_ADMIN_PREFIX}/tenants/${path}`, ADMIN_KEY, init);
  /** Every key of the tenant's responses namespace in Redis, by a full SCAN. */
  const keysOf = async (tenantId: string): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const page = await redis.scanPage(tenantId, RESPONSES_NAMESPACE, cursor, 100);
      cursor = page.cursor;
      keys.push(...page.keys.map(({ key }) => key));
    } while (cursor !== '0');
    expect(keys.every((key) => key.startsWith(tenantKeyPattern(tenantId).slice(0, -1)))).toBe(true);
    return [...new Set(keys)].sort();
  };

  it('when replicas serve a MISS and a HIT, then either replica reports the same counts, entries and bytes from Redis', async () => {
    const { tenantId, key } = tenant('stats');
    const path = `/api/v1/tenants/${tenantId}/features`;
    expect(await status(a, path, key)).toBe('MISS');
    expect(await status(b, path, key)).toBe('HIT');

    // Each replica adds its counts to the shared ones once a second (its own read adds them first): A sees
    // B's HIT after B's next flush.
    const fromA = await eventually(async () => {
      const stats = (await (await admin(a, tenantId)).json()) as Stats;
      return stats.hits === 1 ? stats : false;
    });
    const fromB = await (await admin(b, tenantId)).json();

    expect(fromA).toEqual(fromB);
    expect(fromA).toMatchObject({ entries: 1, hits: 1, misses: 1, hit_ratio: 0.5, truncated: false });
    expect(fromA.bytes).toBeGreaterThan(0);
  });

  it('when a namespace holds more entries than the SCAN bound, then the statistics say truncated; a purge removes all of them and only them', async () => {
    const big = tenant('big');
    const bystander = tenant('bystander');
    for (let page = 0; page < 14; page += 1) await status(a, `/api/v1/tenants/${big.tenantId}/features?page=${page}`, big.key);
    await status(a, `/api/v1/tenants/${big.tenantId}/api-keys`, big.key);
    await status(a, `/api/v1/tenants/${bystander.tenantId}/features`, bystander.key);
    const bystanderKeys = await keysOf(bystander.tenantId);

    const stats = (await (await admin(b, big.tenantId)).json()) as Stats;
    expect(stats.truncated).toBe(true);
    expect(stats.entries).toBeGreaterThanOrEqual(10);
    expect(stats.entries).toBeLessThan(15);

    const routePurge = await admin(b, `${big.tenantId}?route=${encodeURIComponent('/api/v1/tenants/{id}/api-keys')}`, { method: 'DELETE' });
    expect(await routePurge.json()).toMatchObject({ removed: 1 });
    expect(await status(a, `/api/v1/tenants/${big.tenantId}/features?page=3`, big.key)).toBe('HIT');

    const purge = await admin(b, big.tenantId, { method: 'DELETE' });
    expect(await purge.json()).toEqual({ tenant_id: big.tenantId, route: null, removed: 14 });
    expect((await keysOf(big.tenantId)).filter((key) => !key.endsWith(':generation'))).toEqual([]);
    expect(await status(a, `/api/v1/tenants/${big.tenantId}/features?page=3`, big.key)).toBe('MISS');
    expect(await keysOf(bystander.tenantId)).toEqual(bystanderKeys);
    expect(await status(b, `/api/v1/tenants/${bystander.tenantId}/features`, bystander.key)).toBe('HIT');
  });
});
