import { buildRequest, buildResponse, buildResponseCache, fakeUpstream } from './test-support/builders';

describe('ResponseCache: a lookup read by the caller (one Redis round trip with the rate limit)', () => {
  it('when the values of lookupKeys are handed to serve, then the hit is served from them without a read of its own', async () => {
    const { responseCache, cache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ body: Buffer.from('{"n":1}') }));
    await responseCache.serve(buildRequest(), upstream.fetch);

    const keys = responseCache.lookupKeys(buildRequest());
    expect(keys).toHaveLength(2);
    const values = await cache.getMany(keys ?? []);
    const reads = jest.spyOn(cache, 'getMany');
    const hit = await responseCache.serve(buildRequest(), upstream.fetch, values);

    expect(hit.status).toBe('HIT');
    expect(hit.response.body.toString()).toBe('{"n":1}');
    expect(reads).not.toHaveBeenCalled();
    expect(upstream.calls).toBe(1);
  });

  it('when the request is one the cache would not look up, then there are no keys to read', () => {
    const { responseCache } = buildResponseCache();
    expect(responseCache.lookupKeys(buildRequest({ headers: { 'cache-control': 'no-cache' } }))).toBeUndefined();
    expect(responseCache.lookupKeys(buildRequest({ method: 'POST' }))).toBeUndefined();
    expect(responseCache.lookupKeys(buildRequest({ tenantId: '_admin' }))).toBeUndefined();
    expect(buildResponseCache({ enabled: false }).responseCache.lookupKeys(buildRequest())).toBeUndefined();
  });
});
