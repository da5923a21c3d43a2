import { CacheUnavailableError, InMemoryCache } from '@tenantry/cache';
import { FakeClock, buildRequest, buildResponse, buildResponseCache, fakeUpstream } from './test-support/builders';
import { switchableCache } from './test-support/switchable-cache';

function degradableResponseCache(options: { probeIntervalMs?: number } = {}) {
  const clock = new FakeClock();
  const { cache, state } = switchableCache(new InMemoryCache({ now: clock.now }));
  return { ...buildResponseCache({ cache, clock, ...options }), state };
}

describe('ResponseCache: when the cache backend is down', () => {
  it('when the cache rejects, then requests are a BYPASS served from upstream, never an error, and status says degraded', async () => {
    const { responseCache, state, outcomes } = degradableResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ body: Buffer.from('from upstream') }));
    state.down = true;

    const result = await responseCache.serve(buildRequest(), upstream.fetch);

    expect(result.status).toBe('BYPASS');
    expect(result.response.body.toString()).toBe('from upstream');
    expect(upstream.calls).toBe(1);
    expect(outcomes).toEqual([{ status: 'BYPASS', reason: 'cache-unavailable' }]);
    expect(responseCache.status()).toEqual({ enabled: true, degraded: true });
  });

  it('when the cache throws an unexpected error (not CacheUnavailableError), then it is handled the same way', async () => {
    const { responseCache, state } = degradableResponseCache();
    state.down = true;
    state.failure = new TypeError('ERR wrong type');
    expect((await responseCache.serve(buildRequest(), fakeUpstream().fetch)).status).toBe('BYPASS');
    expect(responseCache.status().degraded).toBe(true);
  });

  it('when degraded, then requests skip the cache without a round trip, except one probe per interval', async () => {
    const { responseCache, state, clock } = degradableResponseCache({ probeIntervalMs: 500 });
    const upstream = fakeUpstream();
    state.down = true;
    await responseCache.serve(buildRequest(), upstream.fetch);
    const callsAfterFailure = state.calls;

    for (let index = 0; index < 20; index += 1) expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('BYPASS');
    expect(state.calls).toBe(callsAfterFailure);

    clock.advanceSeconds(0.5);
    await responseCache.serve(buildRequest(), upstream.fetch);
    expect(state.calls).toBe(callsAfterFailure + 1);
    expect(upstream.calls).toBe(22);
  });

  it('when the cache comes back, then the next probe ends the degraded state and caching resumes', async () => {
    const { responseCache, state, clock } = degradableResponseCache({ probeIntervalMs: 500 });
    const upstream = fakeUpstream();
    state.down = true;
    await responseCache.serve(buildRequest(), upstream.fetch);
    state.down = false;
    clock.advanceSeconds(1);

    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('MISS');
    expect(responseCache.status().degraded).toBe(false);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('HIT');
  });

  it('when the cache fails while storing a fetched response, then the response is still returned, as a BYPASS', async () => {
    const { responseCache, state, outcomes } = degradableResponseCache();
    const upstream = fakeUpstream(() => {
      state.down = true; // Redis dies while the upstream call runs
      return buildResponse({ body: Buffer.from('fetched') });
    });
    const result = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(result.response.body.toString()).toBe('fetched');
    expect(outcomes).toEqual([{ status: 'BYPASS', reason: 'cache-unavailable' }]);
    expect(responseCache.status().degraded).toBe(true);
  });

  it("when a hit was cached before the outage, then during it the request still gets upstream's answer (BYPASS)", async () => {
    const { responseCache, state } = degradableResponseCache();
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    state.down = true;
    const during = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(during).toMatchObject({ status: 'BYPASS' });
    expect(during.response.body.toString()).toBe('v2');
  });

  it('when a purge is requested while the cache is down, then it rejects (so the event consumer retries it)', async () => {
    const { responseCache, state } = degradableResponseCache();
    state.down = true;
    await expect(responseCache.purgeTenant('tenant-a')).rejects.toBeInstanceOf(CacheUnavailableError);
    expect(responseCache.status().degraded).toBe(true);
  });

  it('when a purge failed during an outage, then after recovery none of the old entries is served before a purge succeeds', async () => {
    const { responseCache, state, clock } = degradableResponseCache({ probeIntervalMs: 500 });
    const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
    await responseCache.serve(buildRequest(), upstream.fetch); // v1 cached before the outage
    state.down = true;
    await expect(responseCache.purgeTenant(buildRequest().tenantId)).rejects.toBeInstanceOf(CacheUnavailableError);
    state.down = false;
    clock.advanceSeconds(1);

    const after = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(after.status).toBe('MISS');
    expect(after.response.body.toString()).toBe('v2');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).response.body.toString()).toBe('v2');
  });
});
