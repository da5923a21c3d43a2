import express from 'express';
import { tenantKeyPattern } from '@tenantry/cache';
import { type Identity } from '@tenantry/http';
import { apiReferenceRouter } from '../api-reference/api-reference.routes';
import { RESPONSES_NAMESPACE, ResponseCache } from '../response-cache';
import { ADMIN_KEY, callGateway, silentLogger, startTestGateway, StubServices, type TestGateway } from '../test-support/gateway-harness';
import { createCacheAdmin } from './cache-admin';
import { CACHE_ADMIN_PREFIX, MAX_WARM_PATHS } from './cache-admin.routes';
import { WARMER_KEY_ID } from './cache-warmer';

const ADMIN = `${CACHE_ADMIN_PREFIX}/tenants`;

describe('cache operations (/api/v1/gateway/cache)', () => {
  let stub: StubServices;
  let gateway: TestGateway;

  beforeAll(async () => {
    stub = new StubServices();
    gateway = await startTestGateway(await stub.start());
  });
  afterAll(async () => {
    await gateway.close();
    await stub.close();
  });

  let n = 0;
  /** A fresh tenant (and its key) per test: no test sees another's entries or counters. */
  const newTenant = (tier: 'basic' | 'pro' | 'enterprise' = 'pro') => {
    n += 1;
    const tenantId = `ten_cacheops${n}`;
    return { tenantId, key: stub.addTenant(tenantId, tier) };
  };
  const get = (path: string, key: string) => callGateway(gateway.url, path, key);
  const cacheStatus = async (path: string, key: string) => (await get(path, key)).headers.get('x-cache-status');
  const admin = (path: string, init: RequestInit = {}) => callGateway(gateway.url, path, ADMIN_KEY, init);
  const warm = (tenantId: string, body: unknown) =>
    admin(`${ADMIN}/${tenantId}/warm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const statsOf = async (tenantId: string) => {
    const response = await admin(`${ADMIN}/${tenantId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      tenant_id: string;
      entries: number;
      bytes: number;
      hits: number;
      misses: number;
      hit_ratio: number | null;
      truncated: boolean;
      routes: Array<{ route: string; entries: number; bytes: number; hits: number; misses: number; hit_ratio: number | null }>;
    };
  };
  const responseKeysOf = async (tenantId: string) => {
    const prefix = tenantKeyPattern(tenantId, RESPONSES_NAMESPACE).slice(0, -1);
    const page = await gateway.cache.scanPage(tenantId, RESPONSES_NAMESPACE, '0', 10_000);
    return page.keys.filter(({ key }) => key.startsWith(prefix) && !key.endsWith(':generation')).map(({ key }) => key);
  };

  it('when a tenant GET missed and then hit, then the statistics count one of each, with the entry and its bytes, per route', async () => {
    const { tenantId, key } = newTenant();
    const path = `/api/v1/tenants/${tenantId}/features`;
    expect(await cacheStatus(path, key)).toBe('MISS');
    expect(await cacheStatus(path, key)).toBe('HIT');

    const stats = await statsOf(tenantId);

    expect(stats).toMatchObject({ tenant_id: tenantId, entries: 1, hits: 1, misses: 1, hit_ratio: 0.5, truncated: false });
    expect(stats.bytes).toBeGreaterThan(0);
    expect(stats.routes).toEqual([
      { route: '/api/v1/tenants/{id}/features', entries: 1, bytes: stats.bytes, hits: 1, misses: 1, hit_ratio: 0.5 },
    ]);
  });

  it('when a tenant key asks for any cache operation, then it gets a 403 problem and nothing is purged', async () => {
    const { tenantId, key } = newTenant();
    const path = `/api/v1/tenants/${tenantId}/features`;
    await get(path, key);

    const attempts = [
      callGateway(gateway.url, `${ADMIN}/${tenantId}`, key),
      callGateway(gateway.url, `${ADMIN}/${tenantId}`, key, { method: 'DELETE' }),
      callGateway(gateway.url, `${ADMIN}/${tenantId}/warm`, key, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [path] }),
      }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await cacheStatus(path, key)).toBe('HIT');
    expect((await callGateway(gateway.url, `${ADMIN}/${tenantId}`, undefined)).status).toBe(401);
  });

  it("when the admin purges a tenant's namespace, then it learns how many entries went and the next GET is a MISS", async () => {
    const { tenantId, key } = newTenant();
    await get(`/api/v1/tenants/${tenantId}/features`, key);
    await get(`/api/v1/tenants/${tenantId}/api-keys?limit=5`, key);

    const response = await admin(`${ADMIN}/${tenantId}`, { method: 'DELETE' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenant_id: tenantId, route: null, removed: 2 });
    expect(await responseKeysOf(tenantId)).toEqual([]);
    expect(await cacheStatus(`/api/v1/tenants/${tenantId}/features`, key)).toBe('MISS');
    expect((await statsOf(tenantId)).entries).toBe(1);
  });

  it("when the admin purges one route, then only that route's entries (every query of it) go", async () => {
    const { tenantId, key } = newTenant();
    await get(`/api/v1/tenants/${tenantId}/features`, key);
    await get(`/api/v1/tenants/${tenantId}/features?verbose=true`, key);
    await get(`/api/v1/tenants/${tenantId}/api-keys`, key);

    const response = await admin(`${ADMIN}/${tenantId}?route=${encodeURIComponent('/api/v1/tenants/{id}/features')}`, { method: 'DELETE' });

    expect(await response.json()).toEqual({ tenant_id: tenantId, route: '/api/v1/tenants/{id}/features', removed: 2 });
    expect(await cacheStatus(`/api/v1/tenants/${tenantId}/api-keys`, key)).toBe('HIT');
    expect(await cacheStatus(`/api/v1/tenants/${tenantId}/features`, key)).toBe('MISS');
  });

  it("when one tenant's namespace or route is purged, then another tenant's entries are untouched", async () => {
    const one = newTenant();
    const other = newTenant();
    for (const { tenantId, key } of [one, other]) await get(`/api/v1/tenants/${tenantId}/features`, key);
    const othersKeys = await responseKeysOf(other.tenantId);
    expect(othersKeys).toHaveLength(1);

    await admin(`${ADMIN}/${one.tenantId}?route=${encodeURIComponent('/api/v1/tenants/{id}/features')}`, { method: 'DELETE' });
    await admin(`${ADMIN}/${one.tenantId}`, { method: 'DELETE' });

    expect(await responseKeysOf(other.tenantId)).toEqual(othersKeys);
    expect(await cacheStatus(`/api/v1/tenants/${other.tenantId}/features`, other.key)).toBe('HIT');
    expect((await statsOf(other.tenantId)).entries).toBe(1);
  });

  it("when the admin warms a tenant's routes, then they are fetched as the tenant (its identity and plan) and its first GET is a HIT", async () => {
    const { tenantId, key } = newTenant('enterprise');
    const features = `/api/v1/tenants/${tenantId}/features`;
    const subscription = '/api/v1/monetization/subscription?expand=plan';
    const seenBefore = stub.received.length;

    const response = await warm(tenantId, { paths: [features, subscription] });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      tenant_id: tenantId,
      results: [
        { path: features, status: 200, cache: 'STORED', reason: null },
        { path: subscription, status: 200, cache: 'STORED', reason: null },
      ],
    });
    const upstream = stub.received.slice(seenBefore);
    expect(upstream.map(({ url }) => url)).toEqual([features, subscription]);
    for (const { identity } of upstream) {
      expect(identity).toEqual<Identity>({ role: 'tenant', tenantId, keyId: WARMER_KEY_ID, scopes: [], planId: 'enterprise' });
    }
    expect(await cacheStatus(features, key)).toBe('HIT');
    expect(await cacheStatus(subscription, key)).toBe('HIT');
    expect(stub.received.length).toBe(seenBefore + 2);
  });

  it("when a route needs a feature the tenant's plan lacks, then warming does not fetch it and says so", async () => {
    const { tenantId } = newTenant('basic');
    const seenBefore = stub.received.length;

    const response = await warm(tenantId, { paths: ['/api/v1/ai-assistant/conversations'] });

    expect(await response.json()).toEqual({
      tenant_id: tenantId,
      results: [{ path: '/api/v1/ai-assistant/conversations', status: 403, cache: 'NOT_STORED', reason: 'feature-not-in-plan' }],
    });
    expect(stub.received.length).toBe(seenBefore);
  });

  it('when a warm path is not a cacheable route of that tenant, then a 400 problem names each bad path and nothing is fetched', async () => {
    const { tenantId } = newTenant();
    const seenBefore = stub.received.length;
    const readsBefore = stub.tenantReads;

    const response = await warm(tenantId, {
      paths: [
        `/api/v1/tenants/${tenantId}/features`,
        '/api/v1/tenants/ten_someoneelse/features',
        '/api/v1/monetization/plans',
        '/internal/v1/api-keys/abc',
        'api/v1/tenants',
        `/api/v1/tenants/${tenantId}/%2e%2e/x`,
        '/api/v1/monetization/invoices/ten_someoneelse',
      ],
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors.map(({ field }) => field)).toEqual(['paths.1', 'paths.2', 'paths.3', 'paths.4', 'paths.5', 'paths.6']);
    expect(problem.errors[0]?.message).toContain('/api/v1/tenants/ten_someoneelse/features');
    expect(stub.received.length).toBe(seenBefore);
    expect(stub.tenantReads).toBe(readsBefore);
  });

  it('when the request itself is malformed, then the 400 problem names the field', async () => {
    const { tenantId } = newTenant();
    const tooMany = Array.from({ length: MAX_WARM_PATHS + 1 }, (_, index) => `/api/v1/tenants/${tenantId}/features?page=${index}`);
    const cases: Array<[Promise<Response>, string]> = [
      [warm(tenantId, { paths: tooMany }), 'paths'],
      [warm(tenantId, { paths: [] }), 'paths'],
      [warm(tenantId, { paths: ['/api/v1/tenants/x', '/api/v1/tenants/x'] }), 'paths'],
      [warm(tenantId, { paths: ['/a'], also: 1 }), 'also'],
      [admin(`${ADMIN}/${encodeURIComponent('_public')}`), 'params.tenant_id'],
      [admin(`${ADMIN}/${tenantId}?route=features`, { method: 'DELETE' }), 'query.route'],
      [admin(`${ADMIN}/${tenantId}?route=/api/v2/nothing`, { method: 'DELETE' }), 'query.route'],
    ];
    for (const [pending, field] of cases) {
      const response = await pending;
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ field: string }> };
      expect(problem.errors.map((issue) => issue.field)).toContain(field);
    }
  });

  it('when the tenant is unknown or suspended, then warming answers 404 or 409 and fetches nothing', async () => {
    const suspended = 'ten_cacheopssuspended';
    stub.addTenant(suspended, 'pro', 'suspended');
    const seenBefore = stub.received.length;

    const unknown = await warm('ten_cacheopsnobody', { paths: ['/api/v1/tenants/ten_cacheopsnobody/features'] });
    const refused = await warm(suspended, { paths: [`/api/v1/tenants/${suspended}/features`] });

    expect(unknown.status).toBe(404);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ tenant_status: 'suspended' });
    expect(stub.received.length).toBe(seenBefore);
  });

  it('when the API reference is merged, then it documents the cache operations with their schemas', async () => {
    const { document } = createCacheAdmin({
      cache: gateway.cache,
      responseCache: new ResponseCache({ cache: gateway.cache, logger: silentLogger, enabled: true }),
      upstreams: gateway.upstreams,
      plans: gateway.plans,
      logger: silentLogger,
    });
    const app = express();
    app.use(
      apiReferenceRouter({
        routes: [],
        logger: silentLogger,
        fetchUpstream: async () => ({ statusCode: 404, headers: {}, body: Buffer.alloc(0) }),
        ownDocuments: [document],
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const merged = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>>;
      };
      expect(Object.keys(merged.paths)).toEqual([`${ADMIN}/{tenant_id}`, `${ADMIN}/{tenant_id}/warm`]);
      expect(Object.keys(merged.paths[`${ADMIN}/{tenant_id}`] ?? {})).toEqual(['get', 'delete']);
      expect(merged.paths[`${ADMIN}/{tenant_id}/warm`]?.['post']?.tags).toEqual(['gateway-cache']);
      expect(JSON.stringify(merged.paths)).toContain('hit_ratio');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
