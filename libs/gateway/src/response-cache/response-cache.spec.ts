import type { Cache } from '@tenantry/cache';
import { ADMIN_TENANT_ID } from './response-cache';
import { buildRequest, buildResponse, buildResponseCache, fakeUpstream, silentLogger } from './test-support/builders';
import { ResponseCache } from './response-cache';

describe('ResponseCache: serving', () => {
  it('when a GET is repeated, then the first is a MISS from upstream and the second a HIT with the same status, headers and body', async () => {
    const { responseCache, outcomes } = buildResponseCache();
    const upstream = fakeUpstream(() =>
      buildResponse({ statusCode: 200, headers: { 'content-type': 'application/json', etag: '"1"' }, body: Buffer.from('{"ok":true}') }),
    );

    const first = await responseCache.serve(buildRequest(), upstream.fetch);
    const second = await responseCache.serve(buildRequest(), upstream.fetch);

    expect(first.status).toBe('MISS');
    expect(second.status).toBe('HIT');
    expect(upstream.calls).toBe(1);
    expect(second.response.statusCode).toBe(200);
    expect(second.response.body.toString()).toBe('{"ok":true}');
    expect(second.response.headers).toEqual({ 'content-type': 'application/json', etag: '"1"', 'content-length': '11', age: '0' });
    expect(outcomes).toEqual([{ status: 'MISS' }, { status: 'HIT' }]);
  });

  it('when an entry has been stored for a while, then a hit carries its Age in seconds', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = fakeUpstream();
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(42.7);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.headers['age']).toBe('42');
  });

  it('when the MISS response is returned, then it is the upstream response as it came (its own request id and date)', async () => {
    const { responseCache } = buildResponseCache();
    const upstreamResponse = buildResponse({ headers: { 'x-request-id': 'req-1', date: 'Thu, 01 Jan 2026 00:00:00 GMT' } });
    const { response } = await responseCache.serve(buildRequest(), () => Promise.resolve(upstreamResponse));
    expect(response).toBe(upstreamResponse);
  });

  it('when a hit is served, then it never carries the per-request headers of the request that filled the cache', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() =>
      buildResponse({ headers: { 'x-request-id': 'req-1', traceparent: '00-a-b-01', date: 'x', 'x-tenantry-identity': 'p' } }),
    );
    await responseCache.serve(buildRequest(), upstream.fetch);
    const { response } = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(Object.keys(response.headers).sort()).toEqual(['age', 'content-length']);
  });

  it('when the same query comes with its parameters in another order, then it is a HIT', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream();
    await responseCache.serve(buildRequest({ query: 'tier=pro&limit=10' }), upstream.fetch);
    expect((await responseCache.serve(buildRequest({ query: 'limit=10&tier=pro' }), upstream.fetch)).status).toBe('HIT');
    expect((await responseCache.serve(buildRequest({ query: 'limit=20&tier=pro' }), upstream.fetch)).status).toBe('MISS');
    expect(
      (await responseCache.serve(buildRequest({ path: '/api/v1/monetization/plans/pro', query: 'limit=10&tier=pro' }), upstream.fetch))
        .status,
    ).toBe('MISS');
  });

  it('when a HEAD request follows a cached GET, then it is a HIT with the GET headers (content-length included) and no body', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ body: Buffer.from('12345') }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    const head = await responseCache.serve(buildRequest({ method: 'HEAD' }), upstream.fetch);
    expect(head.status).toBe('HIT');
    expect(head.response.body.length).toBe(0);
    expect(head.response.headers['content-length']).toBe('5');
    expect(upstream.calls).toBe(1);
  });

  it('when a HEAD request finds nothing, then it is fetched as a MISS and not stored (a HEAD response has no body)', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ body: Buffer.alloc(0) }));
    expect((await responseCache.serve(buildRequest({ method: 'HEAD' }), upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(buildRequest({ method: 'GET' }), upstream.fetch)).status).toBe('MISS');
    expect(upstream.calls).toBe(2);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])(
    'when the method is %s, then it is a BYPASS and nothing is stored',
    async (method) => {
      const { responseCache, outcomes } = buildResponseCache();
      const upstream = fakeUpstream();
      expect((await responseCache.serve(buildRequest({ method }), upstream.fetch)).status).toBe('BYPASS');
      expect((await responseCache.serve(buildRequest({ method }), upstream.fetch)).status).toBe('BYPASS');
      expect(upstream.calls).toBe(2);
      expect(outcomes[0]).toEqual({ status: 'BYPASS', reason: 'method' });
    },
  );

  it.each([
    [{ 'cache-control': 'no-store' }],
    [{ 'cache-control': 'private, max-age=60' }],
    [{ 'cache-control': 'no-cache' }],
    [{ 'set-cookie': 'session=abc' }],
    [{ vary: '*' }],
  ])('when the response has %j, then it is a BYPASS and the next request goes upstream again', async (headers) => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ headers }));
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
    expect(upstream.calls).toBe(2);
  });

  it('when the response is not 2xx, then it is not stored unless cacheNon2xx is on', async () => {
    const notFound = () => buildResponse({ statusCode: 404 });
    const off = buildResponseCache();
    const offUpstream = fakeUpstream(notFound);
    await off.responseCache.serve(buildRequest(), offUpstream.fetch);
    expect((await off.responseCache.serve(buildRequest(), offUpstream.fetch)).status).toBe('BYPASS');
    expect(off.outcomes[1]).toEqual({ status: 'BYPASS', reason: 'not-storable:status' });

    const on = buildResponseCache({ cacheNon2xx: true });
    const onUpstream = fakeUpstream(notFound);
    await on.responseCache.serve(buildRequest(), onUpstream.fetch);
    const hit = await on.responseCache.serve(buildRequest(), onUpstream.fetch);
    expect(hit.status).toBe('HIT');
    expect(hit.response.statusCode).toBe(404);
  });

  it('when the body is over maxBodyBytes, then it is not stored', async () => {
    const { responseCache, outcomes } = buildResponseCache({ maxBodyBytes: 10 });
    const upstream = fakeUpstream(() => buildResponse({ body: Buffer.alloc(11) }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect(upstream.calls).toBe(2);
    expect(outcomes[1]).toEqual({ status: 'BYPASS', reason: 'not-storable:too-large' });
  });

  it('when the body is binary, then a hit returns the exact bytes', async () => {
    const { responseCache } = buildResponseCache();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const upstream = fakeUpstream(() => buildResponse({ headers: { 'content-type': 'application/octet-stream' }, body: bytes }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.body.equals(bytes)).toBe(true);
  });
});

describe('ResponseCache: freshness', () => {
  it('when max-age has passed and the stale window too, then the entry is gone and the request is a MISS', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=5' } }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(9.9);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('HIT');
    clock.advanceSeconds(5.2);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('MISS');
    expect(upstream.calls).toBe(2);
  });

  it('when a route TTL is configured for a tenant, then it replaces the 60 s default; 0 disables caching for the route', async () => {
    const { responseCache, clock, outcomes } = buildResponseCache({
      routeTtl: (req) => (req.path.endsWith('/live') ? 0 : req.tenantId === 'tenant-a' ? 300 : undefined),
    });
    const upstream = fakeUpstream();
    await responseCache.serve(buildRequest(), upstream.fetch);
    await responseCache.serve(buildRequest({ tenantId: 'tenant-b' }), upstream.fetch);
    clock.advanceSeconds(200);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('HIT');
    expect((await responseCache.serve(buildRequest({ tenantId: 'tenant-b' }), upstream.fetch)).status).toBe('MISS');

    expect((await responseCache.serve(buildRequest({ path: '/api/v1/live' }), upstream.fetch)).status).toBe('BYPASS');
    expect(outcomes.at(-1)).toEqual({ status: 'BYPASS', reason: 'route-disabled' });
  });
});

describe('ResponseCache: Vary', () => {
  const negotiated = () =>
    fakeUpstream((call) =>
      buildResponse({ headers: { vary: 'Accept-Language', 'content-language': `call-${call}` }, body: Buffer.from(`body-${call}`) }),
    );

  it('when the response varies on a header, then each value of it gets its own entry', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = negotiated();
    const english = buildRequest({ headers: { 'accept-language': 'en' } });
    const slovenian = buildRequest({ headers: { 'accept-language': 'sl' } });

    expect((await responseCache.serve(english, upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(slovenian, upstream.fetch)).status).toBe('MISS');
    const englishAgain = await responseCache.serve(english, upstream.fetch);
    const slovenianAgain = await responseCache.serve(slovenian, upstream.fetch);

    expect(englishAgain.status).toBe('HIT');
    expect(englishAgain.response.body.toString()).toBe('body-1');
    expect(slovenianAgain.status).toBe('HIT');
    expect(slovenianAgain.response.body.toString()).toBe('body-2');
    expect(upstream.calls).toBe(2);
  });

  it('when the request lacks the Vary header, then that is its own variant, distinct from an empty value', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = negotiated();
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect((await responseCache.serve(buildRequest({ headers: { 'accept-language': '' } }), upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.body.toString()).toBe('body-1');
  });

  it('when a header is not named by Vary, then it does not split the cache', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = negotiated();
    await responseCache.serve(buildRequest({ headers: { 'accept-language': 'en', 'user-agent': 'a' } }), upstream.fetch);
    expect(
      (await responseCache.serve(buildRequest({ headers: { 'accept-language': 'en', 'user-agent': 'b' } }), upstream.fetch)).status,
    ).toBe('HIT');
  });

  it('when the response varies on Authorization or an identity header, then it is never stored', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ headers: { vary: 'Authorization' } }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
  });
});

describe('ResponseCache: client Cache-Control, admin, disabled', () => {
  it('when the client sends no-cache, then the request is a BYPASS fetched upstream, and the fresh response replaces the entry', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    const forced = await responseCache.serve(buildRequest({ headers: { 'cache-control': 'no-cache' } }), upstream.fetch);
    expect(forced.status).toBe('BYPASS');
    expect(forced.response.body.toString()).toBe('v2');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.body.toString()).toBe('v2');
  });

  it('when the client sends no-store, then the request is a BYPASS and the cache keeps what it had', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect((await responseCache.serve(buildRequest({ headers: { 'cache-control': 'no-store' } }), upstream.fetch)).status).toBe('BYPASS');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.body.toString()).toBe('v1');
  });

  it('when the caller is the platform admin, then the request is a BYPASS and nothing is stored', async () => {
    const { responseCache, outcomes } = buildResponseCache();
    const upstream = fakeUpstream();
    await responseCache.serve(buildRequest({ tenantId: ADMIN_TENANT_ID }), upstream.fetch);
    await responseCache.serve(buildRequest({ tenantId: ADMIN_TENANT_ID }), upstream.fetch);
    expect(upstream.calls).toBe(2);
    expect(outcomes).toEqual([
      { status: 'BYPASS', reason: 'admin' },
      { status: 'BYPASS', reason: 'admin' },
    ]);
  });

  it('when the cache is disabled, then every request is a BYPASS and the cache backend is never touched', async () => {
    const untouchable = new Proxy({} as Cache, {
      get: (_target, operation) => () => {
        throw new Error(`cache.${String(operation)} must not be called when disabled`);
      },
    });
    const outcomes: unknown[] = [];
    const responseCache = new ResponseCache({
      cache: untouchable,
      logger: silentLogger,
      enabled: false,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    const upstream = fakeUpstream();
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
    await responseCache.purgeTenant('tenant-a');
    expect(upstream.calls).toBe(2);
    expect(outcomes).toEqual([
      { status: 'BYPASS', reason: 'disabled' },
      { status: 'BYPASS', reason: 'disabled' },
    ]);
    expect(responseCache.status()).toEqual({ enabled: false, degraded: false });
  });

  it('when the upstream call fails, then the error reaches the caller unchanged and nothing is stored', async () => {
    const { responseCache } = buildResponseCache();
    const failure = new Error('ECONNREFUSED');
    await expect(responseCache.serve(buildRequest(), () => Promise.reject(failure))).rejects.toBe(failure);
    const upstream = fakeUpstream();
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('MISS');
  });

  it('when the onOutcome callback throws, then the request is still served', async () => {
    const { responseCache } = buildResponseCache({
      onOutcome: () => {
        throw new Error('metrics broke');
      },
    });
    expect((await responseCache.serve(buildRequest(), fakeUpstream().fetch)).status).toBe('MISS');
  });
});
