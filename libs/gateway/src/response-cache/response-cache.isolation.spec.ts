import { InMemoryCache } from '@tenantry/cache';
import { eventually } from '@tenantry/testing';
import { FakeClock, buildRequest, buildResponse, buildResponseCache, deferred, fakeUpstream } from './test-support/builders';
import { switchableCache } from './test-support/switchable-cache';
import type { UpstreamResponse } from './types';

/** An upstream whose body names the tenant it answered, so a crossed response would show. */
function tenantAwareUpstream(tenantId: string) {
  return fakeUpstream(() => buildResponse({ body: Buffer.from(`secret of ${tenantId}`) }));
}

describe('ResponseCache: tenant isolation', () => {
  it("when two tenants GET the same path and query, then each gets its own response and never the other's", async () => {
    const { responseCache } = buildResponseCache();
    const a = tenantAwareUpstream('a');
    const b = tenantAwareUpstream('b');
    const request = { path: '/api/v1/tenants/me', query: 'x=1' };

    await responseCache.serve(buildRequest({ ...request, tenantId: 'a' }), a.fetch);
    const bFirst = await responseCache.serve(buildRequest({ ...request, tenantId: 'b' }), b.fetch);
    const aHit = await responseCache.serve(buildRequest({ ...request, tenantId: 'a' }), a.fetch);
    const bHit = await responseCache.serve(buildRequest({ ...request, tenantId: 'b' }), b.fetch);

    expect(bFirst.status).toBe('MISS');
    expect(bFirst.response.body.toString()).toBe('secret of b');
    expect(aHit.response.body.toString()).toBe('secret of a');
    expect(bHit.response.body.toString()).toBe('secret of b');
  });

  it.each([
    ['a tenant id that embeds another tenant and a namespace', { tenantId: 'victim}:responses:GET' }, { tenantId: 'victim' }],
    ['a tenant id with a colon vs a path that starts with it', { tenantId: 'victim:x', path: '/p' }, { tenantId: 'victim', path: 'x:/p' }],
    ['a path that contains the query separator', { path: '/p:q', query: '' }, { path: '/p', query: 'q' }],
    ['a query that contains a key separator', { path: '/p', query: 'a=1:vary:accept' }, { path: '/p', query: 'a=1' }],
    ['glob characters in the tenant id', { tenantId: 'vic*' }, { tenantId: 'victim' }],
    ['a partition that mimics a path', { partition: '/api', path: '/p' }, { partition: '', path: '/api:/p' }],
  ])("when an attacker uses %s, then it cannot read the victim's entry", async (_what, attacker, victim) => {
    const { responseCache } = buildResponseCache();
    await responseCache.serve(buildRequest(victim), tenantAwareUpstream('victim').fetch);
    const attack = await responseCache.serve(buildRequest({ ...victim, ...attacker }), tenantAwareUpstream('attacker').fetch);
    expect(attack.status).toBe('MISS');
    expect(attack.response.body.toString()).toBe('secret of attacker');
  });

  it('when a tenant is purged, then only its entries are dropped; another tenant keeps its hits', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream();
    for (const tenantId of ['a', 'b'])
      for (const path of ['/x', '/y']) await responseCache.serve(buildRequest({ tenantId, path }), upstream.fetch);

    await responseCache.purgeTenant('a');

    expect((await responseCache.serve(buildRequest({ tenantId: 'a', path: '/x' }), upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(buildRequest({ tenantId: 'a', path: '/y' }), upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(buildRequest({ tenantId: 'b', path: '/x' }), upstream.fetch)).status).toBe('HIT');
    expect((await responseCache.serve(buildRequest({ tenantId: 'b', path: '/y' }), upstream.fetch)).status).toBe('HIT');
  });

  it('when a tenant is purged, then its entries with Vary and in every partition go too', async () => {
    const { responseCache } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ headers: { vary: 'accept' } }));
    const requests = [buildRequest({ headers: { accept: 'a' } }), buildRequest({ headers: { accept: 'b' }, partition: 'scopes:read' })];
    for (const req of requests) await responseCache.serve(req, upstream.fetch);
    await responseCache.purgeTenant('tenant-a');
    for (const req of requests) expect((await responseCache.serve(req, upstream.fetch)).status).toBe('MISS');
  });

  it('when a tenant is purged while a fetch of its is in flight, then that older response is not stored', async () => {
    const { responseCache } = buildResponseCache();
    let release: () => void = () => undefined;
    const slow = fakeUpstream(
      () => new Promise((resolve) => (release = () => resolve(buildResponse({ body: Buffer.from('before purge') })))),
    );
    const inFlight = responseCache.serve(buildRequest(), slow.fetch);
    await eventually(() => slow.calls === 1, { description: 'the upstream call to start' });

    await responseCache.purgeTenant('tenant-a');
    release();
    expect((await inFlight).response.body.toString()).toBe('before purge');

    const after = await responseCache.serve(buildRequest(), fakeUpstream(() => buildResponse({ body: Buffer.from('after purge') })).fetch);
    expect(after.status).toBe('MISS');
    expect(after.response.body.toString()).toBe('after purge');
  });

  it('when two requests of one tenant differ in partition (e.g. key scopes), then they never share an entry', async () => {
    const { responseCache } = buildResponseCache();
    await responseCache.serve(
      buildRequest({ partition: 'scopes:admin' }),
      fakeUpstream(() => buildResponse({ body: Buffer.from('full') })).fetch,
    );
    const limited = await responseCache.serve(
      buildRequest({ partition: 'scopes:read' }),
      fakeUpstream(() => buildResponse({ body: Buffer.from('limited') })).fetch,
    );
    expect(limited.status).toBe('MISS');
    expect(limited.response.body.toString()).toBe('limited');
  });

  it('when a purge happens while a fetch is in flight, then a request arriving after it does not get that pre-purge answer', async () => {
    const { responseCache } = buildResponseCache();
    const gate = deferred<UpstreamResponse>();
    const slow = fakeUpstream(() => gate.promise);
    const beforePurge = responseCache.serve(buildRequest(), slow.fetch);
    await eventually(() => slow.calls === 1);

    await responseCache.purgeTenant('tenant-a');
    const afterPurge = responseCache.serve(
      buildRequest(),
      fakeUpstream(() => buildResponse({ body: Buffer.from('after the write') })).fetch,
    );
    gate.resolve(buildResponse({ body: Buffer.from('before the write') }));

    expect((await beforePurge).response.body.toString()).toBe('before the write');
    expect((await afterPurge).response.body.toString()).toBe('after the write');
  });

  it('when another replica purges while this replica fetches, then the response this replica stores afterwards is invisible', async () => {
    const clock = new FakeClock();
    const shared = new InMemoryCache({ now: clock.now });
    const replicaA = buildResponseCache({ cache: shared, clock });
    const replicaB = buildResponseCache({ cache: shared, clock });
    const gate = deferred<UpstreamResponse>();
    const slow = fakeUpstream(() => gate.promise);

    const inFlight = replicaA.responseCache.serve(buildRequest(), slow.fetch);
    await eventually(() => slow.calls === 1);
    await replicaB.responseCache.purgeTenant('tenant-a');
    gate.resolve(buildResponse({ body: Buffer.from('pre-purge') }));
    await inFlight;

    for (const replica of [replicaA, replicaB]) {
      const next = await replica.responseCache.serve(
        buildRequest(),
        fakeUpstream(() => buildResponse({ body: Buffer.from('post-purge') })).fetch,
      );
      expect(next.response.body.toString()).toBe('post-purge');
    }
  });

  it('when a tenant with many entries is purged, then it costs one cache write, whatever the number of entries', async () => {
    const { cache, state } = switchableCache();
    const { responseCache } = buildResponseCache({ cache });
    for (let index = 0; index < 50; index += 1) await responseCache.serve(buildRequest({ query: `page=${index}` }), fakeUpstream().fetch);
    const before = state.calls;
    await responseCache.purgeTenant('tenant-a');
    expect(state.calls - before).toBe(1);
    expect((await responseCache.serve(buildRequest({ query: 'page=7' }), fakeUpstream().fetch)).status).toBe('MISS');
  });
});
