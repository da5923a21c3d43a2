import { type CacheKey, InMemoryCache } from '@tenantry/cache';
import { eventually } from '@tenantry/testing';
import { FakeClock, buildRequest, buildResponse, buildResponseCache, deferred, fakeUpstream } from './test-support/builders';
import { switchableCache } from './test-support/switchable-cache';
import type { UpstreamResponse } from './types';

/** An upstream held open until `answer` is called, counting its calls. */
function heldUpstream() {
  const gate = deferred<UpstreamResponse>();
  const upstream = fakeUpstream(() => gate.promise);
  return { upstream, answer: gate.resolve, fail: gate.reject };
}

describe('ResponseCache: single-flight on misses', () => {
  it.each([
    ['in process and through the cross-replica lock', {}],
    ['in process alone (peerWaitMs: 0)', { peerWaitMs: 0 }],
  ])(
    'when 200 concurrent cold requests ask for one key (coalesced %s), then upstream is called exactly once and all 200 get the same body',
    async (_how, options) => {
      const { responseCache, outcomes } = buildResponseCache(options);
      const { upstream, answer } = heldUpstream();

      const all = Array.from({ length: 200 }, () => responseCache.serve(buildRequest({ query: 'b=2&a=1' }), upstream.fetch));
      await eventually(() => upstream.calls === 1, { description: 'the one upstream call' });
      answer(buildResponse({ body: Buffer.from('the plans') }));
      const results = await Promise.all(all);

      expect(upstream.calls).toBe(1);
      expect(new Set(results.map((result) => result.response.body.toString()))).toEqual(new Set(['the plans']));
      expect(results.filter((result) => result.status === 'MISS')).toHaveLength(200);
      expect(outcomes.filter((outcome) => outcome.reason === 'coalesced')).toHaveLength(199);
      expect((await responseCache.serve(buildRequest({ query: 'a=1&b=2' }), upstream.fetch)).status).toBe('HIT');
    },
  );

  it.each([
    ['through the cross-replica lock', {}],
    ['in process alone (peerWaitMs: 0)', { peerWaitMs: 0 }],
  ])(
    'when a request read the cache just before another fetch stored the entry and reaches the miss path after that fetch ended (%s), then it gets the stored entry and upstream is called once',
    async (_how, options) => {
      const clock = new FakeClock();
      const inner = new InMemoryCache({ now: clock.now });
      // The late request's lookup is answered with what the cache held when it was sent, but only later.
      let holdNextLookup: Promise<void> | undefined;
      const cache = new Proxy(inner, {
        get(target, operation, receiver) {
          const original = Reflect.get(target, operation, receiver) as unknown;
          if (typeof original !== 'function') return original;
          if (operation !== 'getMany') return (original as (...args: unknown[]) => unknown).bind(target);
          return async (keys: readonly CacheKey[]) => {
            const held = holdNextLookup;
            holdNextLookup = undefined;
            const snapshot = await inner.getMany(keys);
            await held;
            return snapshot;
          };
        },
      });
      const { responseCache, outcomes } = buildResponseCache({ cache, clock, ...options });
      const upstream = fakeUpstream(() => Promise.resolve(buildResponse({ body: Buffer.from('the plans') })));
      const release = deferred<void>();

      holdNextLookup = release.promise;
      const late = responseCache.serve(buildRequest(), upstream.fetch);
      const first = await responseCache.serve(buildRequest(), upstream.fetch);
      expect(first.status).toBe('MISS');
      release.resolve();
      const lateResult = await late;

      expect(upstream.calls).toBe(1);
      expect(lateResult.status).toBe('HIT');
      expect(lateResult.response.body.toString()).toBe('the plans');
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['MISS', 'HIT']);
    },
  );

  it("when waiters share a fetch, then each gets its own headers object without the fetcher's per-request headers", async () => {
    const { responseCache } = buildResponseCache();
    const { upstream, answer } = heldUpstream();
    const leader = responseCache.serve(buildRequest(), upstream.fetch);
    const follower = responseCache.serve(buildRequest(), upstream.fetch);
    await eventually(() => upstream.calls === 1);
    answer(buildResponse({ headers: { 'content-type': 'text/plain', 'x-request-id': 'leader' } }));

    const [leaderResult, followerResult] = await Promise.all([leader, follower]);
    expect(leaderResult.response.headers['x-request-id']).toBe('leader');
    expect(followerResult.response.headers['x-request-id']).toBeUndefined();
    expect(followerResult.response.headers['content-type']).toBe('text/plain');
    expect(followerResult.response.headers).not.toBe(leaderResult.response.headers);
  });

  it('when concurrent requests are for different keys or tenants, then they are not coalesced', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream();
    await Promise.all([
      responseCache.serve(buildRequest({ tenantId: 'a' }), upstream.fetch),
      responseCache.serve(buildRequest({ tenantId: 'b' }), upstream.fetch),
      responseCache.serve(buildRequest({ tenantId: 'a', query: 'x=1' }), upstream.fetch),
    ]);
    expect(upstream.calls).toBe(3);
  });

  it('when the shared fetch fails, then every waiter gets the error and the next request tries again', async () => {
    const { responseCache } = buildResponseCache();
    const { upstream, fail } = heldUpstream();
    const all = Array.from({ length: 5 }, () => responseCache.serve(buildRequest(), upstream.fetch));
    await eventually(() => upstream.calls === 1);
    fail(new Error('upstream unreachable'));
    for (const result of await Promise.allSettled(all))
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'upstream unreachable' } });
    expect((await responseCache.serve(buildRequest(), fakeUpstream().fetch)).status).toBe('MISS');
  });

  it('when the fetched response is a 503, then the waiters share it (no stampede on a failing service) and nothing is stored', async () => {
    const { responseCache } = buildResponseCache();
    const { upstream, answer } = heldUpstream();
    const all = Array.from({ length: 10 }, () => responseCache.serve(buildRequest(), upstream.fetch));
    await eventually(() => upstream.calls === 1);
    answer(buildResponse({ statusCode: 503 }));
    const results = await Promise.all(all);
    expect(upstream.calls).toBe(1);
    expect(results.every((result) => result.status === 'BYPASS' && result.response.statusCode === 503)).toBe(true);
  });

  it('when the fetched response is private or sets a cookie, then no waiter gets it: each fetches its own', async () => {
    const { responseCache } = buildResponseCache();
    const gate = deferred<void>();
    const upstream = fakeUpstream(async (call) => {
      await gate.promise;
      return buildResponse({ headers: { 'set-cookie': `session=${call}` }, body: Buffer.from(`for caller ${call}`) });
    });
    const all = Array.from({ length: 3 }, () => responseCache.serve(buildRequest(), upstream.fetch));
    await eventually(() => upstream.calls === 1);
    gate.resolve();
    const results = await Promise.all(all);
    expect(upstream.calls).toBe(3);
    expect(new Set(results.map((result) => result.response.headers['set-cookie']))).toEqual(
      new Set(['session=1', 'session=2', 'session=3']),
    );
  });

  it('when the response varies and a waiter sent another value, then the waiter does not get the other variant', async () => {
    const { responseCache } = buildResponseCache();
    const gate = deferred<void>();
    const upstream = fakeUpstream(async (call) => {
      await gate.promise;
      return buildResponse({ headers: { vary: 'accept-language' }, body: Buffer.from(`variant ${call}`) });
    });
    const english = () => responseCache.serve(buildRequest({ headers: { 'accept-language': 'en' } }), upstream.fetch);
    const slovenian = () => responseCache.serve(buildRequest({ headers: { 'accept-language': 'sl' } }), upstream.fetch);
    const all = [english(), english(), slovenian(), slovenian()];
    await eventually(() => upstream.calls === 1);
    gate.resolve();
    const [en1, en2, sl1, sl2] = await Promise.all(all);

    expect(en1?.response.body.toString()).toBe('variant 1');
    expect(en2?.response.body.toString()).toBe('variant 1');
    expect(sl1?.response.body.toString()).toBe('variant 2');
    expect(sl2?.response.body.toString()).toBe('variant 2');
    expect(upstream.calls).toBe(2); // the two Slovenian waiters coalesce on their own variant
  });
});

describe('ResponseCache: single-flight across gateway replicas', () => {
  it('when another replica is already fetching a key, then this one waits for its entry instead of calling upstream', async () => {
    const clock = new FakeClock();
    const shared = new InMemoryCache({ now: clock.now });
    const replicaA = buildResponseCache({ cache: shared, clock });
    const viewOfB = switchableCache(shared);
    const replicaB = buildResponseCache({ cache: viewOfB.cache, clock });
    const { upstream: upstreamA, answer } = heldUpstream();
    const upstreamB = fakeUpstream();

    const fromA = replicaA.responseCache.serve(buildRequest(), upstreamA.fetch);
    await eventually(() => upstreamA.calls === 1);
    const fromB = replicaB.responseCache.serve(buildRequest(), upstreamB.fetch);
    await eventually(() => (viewOfB.state.callsOf['setIfAbsent'] ?? 0) === 1, { description: 'B to find the lock taken' });
    answer(buildResponse({ body: Buffer.from('fetched by A') }));

    const [resultA, resultB] = await Promise.all([fromA, fromB]);
    expect(resultA.status).toBe('MISS');
    expect(resultB.status).toBe('HIT');
    expect(resultB.response.body.toString()).toBe('fetched by A');
    expect(upstreamB.calls).toBe(0);
    expect(replicaB.outcomes).toEqual([{ status: 'HIT', reason: 'peer' }]);
  });

  it("when the other replica's response is not storable, then the waiting replica stops waiting and fetches itself", async () => {
    const clock = new FakeClock();
    const shared = new InMemoryCache({ now: clock.now });
    const replicaA = buildResponseCache({ cache: shared, clock });
    const viewOfB = switchableCache(shared);
    const replicaB = buildResponseCache({ cache: viewOfB.cache, clock, peerWaitMs: 120_000 });
    const { upstream: upstreamA, answer } = heldUpstream();
    const upstreamB = fakeUpstream(() => buildResponse({ headers: { 'cache-control': 'no-store' } }));

    const fromA = replicaA.responseCache.serve(buildRequest(), upstreamA.fetch);
    await eventually(() => upstreamA.calls === 1);
    const fromB = replicaB.responseCache.serve(buildRequest(), upstreamB.fetch);
    await eventually(() => (viewOfB.state.callsOf['get'] ?? 0) >= 1, { description: "B to poll for A's entry" });
    answer(buildResponse({ headers: { 'cache-control': 'no-store' } }));

    expect((await fromA).status).toBe('BYPASS');
    expect((await fromB).status).toBe('BYPASS');
    // Released when A's lock went (B called its upstream once): its 120 s peer deadline is beyond the
    // test's own timeout, so waiting it out would fail the test.
    expect(upstreamB.calls).toBe(1);
  });

  it('when the other replica never finishes, then the wait is bounded by peerWaitMs', async () => {
    const clock = new FakeClock();
    const shared = new InMemoryCache({ now: clock.now });
    const replicaA = buildResponseCache({ cache: shared, clock });
    const replicaB = buildResponseCache({ cache: shared, clock, peerWaitMs: 100 });
    const { upstream: upstreamA, answer } = heldUpstream();
    const upstreamB = fakeUpstream();

    const fromA = replicaA.responseCache.serve(buildRequest(), upstreamA.fetch);
    await eventually(() => upstreamA.calls === 1);
    expect((await replicaB.responseCache.serve(buildRequest(), upstreamB.fetch)).status).toBe('MISS');
    expect(upstreamB.calls).toBe(1);
    answer(buildResponse());
    await fromA;
  });
});
