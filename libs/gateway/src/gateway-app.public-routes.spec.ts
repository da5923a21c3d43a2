import {
  ADMIN_KEY,
  CATALOG_CACHE_CONTROL,
  callGateway,
  startTestGateway,
  StubServices,
  type TestGateway,
} from './test-support/gateway-harness';

/** Billing's catalog (`/plans`, `/plans/{id}`, `/compare-plans`) is public: no API key, cached once for everyone. */
describe('gateway pipeline: public catalog routes', () => {
  let stub: StubServices;
  let stubUrl: string;
  let gateway: TestGateway;

  beforeAll(async () => {
    stub = new StubServices();
    stubUrl = await stub.start();
    gateway = await startTestGateway(stubUrl);
  });
  afterAll(async () => {
    await gateway.close();
    await stub.close();
  });

  const call = (path: string, key?: string, init: RequestInit = {}) => callGateway(gateway.url, path, key, init);
  const receivedAt = (path: string) => stub.received.filter((received) => received.url.startsWith(path));

  it.each([
    '/api/v1/monetization/plans?page=first',
    '/api/v1/monetization/plans/pro',
    '/api/v1/monetization/compare-plans',
    '/api/v1/monetization/openapi.json',
    '/api/v1/tenants/openapi.json',
  ])('when %s is asked without an API key, then billing answers it, unsigned', async (path) => {
    const response = await call(path);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ catalog: path.split('?')[0] });
    const [received] = receivedAt(path);
    expect(received?.headers['x-tenantry-identity']).toBeUndefined();
    expect(received?.headers['x-tenantry-signature']).toBeUndefined();
  });

  it('when a client sends an Authorization header (valid or not) and identity headers, then they are ignored and none reaches billing', async () => {
    const tenantKey = stub.addTenant('ten_catalog_reader');
    for (const authorization of ['Bearer not-a-key', `Bearer ${tenantKey}`, `Bearer ${ADMIN_KEY}`, 'Basic Zm9vOmJhcg==']) {
      const path = `/api/v1/monetization/plans?auth=${encodeURIComponent(authorization.slice(0, 8))}`;
      const response = await call(path, undefined, {
        headers: {
          authorization,
          'x-tenant-id': 'ten_catalog_reader',
          'x-role': 'admin',
          'x-tenantry-identity': 'forged',
          'x-tenantry-signature': 'forged',
        },
      });
      expect(response.status).toBe(200);
      const received = receivedAt(path).at(-1);
      for (const header of ['authorization', 'x-tenant-id', 'x-role', 'x-tenantry-identity', 'x-tenantry-signature'])
        expect(received?.headers[header]).toBeUndefined();
    }
  });

  it('when one client fetched the catalog, then every other client (anonymous or with a key) gets it from the one public cache entry', async () => {
    const path = '/api/v1/monetization/plans/enterprise';
    const first = await call(path);
    const anonymous = await call(path);
    const withKey = await call(path, stub.addTenant('ten_catalog_cached'));
    expect([first, anonymous, withKey].map((response) => response.headers.get('x-cache-status'))).toEqual(['MISS', 'HIT', 'HIT']);
    expect(receivedAt(path)).toHaveLength(1);
    expect(anonymous.headers.get('cache-control')).toBe(CATALOG_CACHE_CONTROL);
    expect(Number(anonymous.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(await withKey.json()).toEqual(await first.json());
  });

  it('when HEAD is asked on a public route, then it is answered without a key and without a body', async () => {
    const response = await call('/api/v1/monetization/compare-plans?head=1', undefined, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it.each([
    ['POST', '/api/v1/monetization/plans'],
    ['PUT', '/api/v1/monetization/plans/pro'],
    ['GET', '/api/v1/monetization/subscriptions'],
    ['GET', '/api/v1/monetization/plans/pro/prices'],
    ['GET', '/api/v1/monetization/invoices'],
  ])('when %s %s is asked without an API key, then it is refused with 401', async (method, path) => {
    const response = await call(path, undefined, { method });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tenantry"');
  });

  it("when a client address used up the public per-minute limit, then it gets a 429 with Retry-After, and tenants' own quotas are untouched", async () => {
    const limited = await startTestGateway(stubUrl, { publicRateLimitPerMinute: 3 });
    try {
      const before = stub.received.length;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await callGateway(limited.url, `/api/v1/monetization/plans?n=${i}`, undefined)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await callGateway(limited.url, '/api/v1/monetization/compare-plans', undefined);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.headers.get('ratelimit-policy')).toContain('"minute";q=3;w=60');
      expect(await refused.json()).toMatchObject({ status: 429, policy: 'minute' });
      expect(stub.received.length - before).toBe(3);

      // The same address with a tenant key on the tenant's API: counted on the tenant's plan, not on anon:<address>.
      const tenant = await callGateway(limited.url, '/api/v1/tenants/ten_public_limit', stub.addTenant('ten_public_limit', 'basic'));
      expect(tenant.status).toBe(200);
      expect(tenant.headers.get('ratelimit-policy')).toContain('"minute";q=10;w=60');
    } finally {
      await limited.close();
    }
  });

  it.each([
    ['no proxy is trusted', undefined, [200, 429, 429]],
    ['the load balancer is trusted', ['loopback'], [200, 429, 200]],
  ])('when %s, then X-Forwarded-For decides the client bucket only from a trusted proxy', async (_case, trustedProxies, expected) => {
    // The test client connects from 127.0.0.1: the "load balancer" when loopback is trusted.
    const limited = await startTestGateway(stubUrl, { publicRateLimitPerMinute: 1, ...(trustedProxies ? { trustedProxies } : {}) });
    try {
      const from = (client: string, n: number) =>
        callGateway(limited.url, `/api/v1/monetization/plans?xff=${n}`, undefined, { headers: { 'x-forwarded-for': client } });
      const statuses = [
        (await from('203.0.113.7', 1)).status,
        (await from('203.0.113.7', 2)).status,
        (await from('198.51.100.9', 3)).status,
      ];
      expect(statuses).toEqual(expected);
    } finally {
      await limited.close();
    }
  });

  it('when a client behind a trusted proxy claims a trusted address itself, then it is still counted as the nearest untrusted one', async () => {
    const limited = await startTestGateway(stubUrl, { publicRateLimitPerMinute: 1, trustedProxies: ['loopback'] });
    try {
      const spoofing = (n: number) =>
        callGateway(limited.url, `/api/v1/monetization/plans?spoof=${n}`, undefined, {
          headers: { 'x-forwarded-for': `10.9.9.${n}, 203.0.113.50` },
        });
      // The proxy appended the real client (203.0.113.50); what the client wrote before it is not believed.
      expect([(await spoofing(1)).status, (await spoofing(2)).status]).toEqual([200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('when nothing is configured, then the public limit is 60 requests per minute', async () => {
    const response = await call('/api/v1/monetization/plans?default-limit=1');
    expect(response.headers.get('ratelimit-policy')).toContain('"minute";q=60;w=60');
  });
});
