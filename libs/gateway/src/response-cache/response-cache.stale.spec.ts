import { eventually } from '@tenantry/testing';
import { buildRequest, buildResponse, buildResponseCache, deferred, fakeUpstream } from './test-support/builders';
import type { UpstreamResponse } from './types';

/** Fresh 10 s, then 20 s of stale-while-revalidate; the body says which upstream call produced it. */
function versionedUpstream(respond?: (call: number) => UpstreamResponse | Promise<UpstreamResponse>) {
  return fakeUpstream(
    respond ??
      ((call) => buildResponse({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=20' }, body: Buffer.from(`v${call}`) })),
  );
}

async function bodyOf(promise: Promise<{ response: UpstreamResponse }>): Promise<string> {
  return (await promise).response.body.toString();
}

describe('ResponseCache: stale-while-revalidate', () => {
  it('when an entry is past freshness but inside its stale window, then it is served STALE at once and refreshed in the background', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = versionedUpstream();
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(15);

    const stale = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(stale.status).toBe('STALE');
    expect(stale.response.body.toString()).toBe('v1');
    expect(stale.response.headers['age']).toBe('15');

    await eventually(async () => (await responseCache.serve(buildRequest(), upstream.fetch)).status === 'HIT', {
      description: 'the refreshed entry',
    });
    expect(await bodyOf(responseCache.serve(buildRequest(), upstream.fetch))).toBe('v2');
    expect(upstream.calls).toBe(2);
  });

  it.each([
    ['in process and through the cross-replica lock', {}],
    ['in process alone (peerWaitMs: 0)', { peerWaitMs: 0 }],
  ])(
    'when many requests find the entry stale, then all get STALE without waiting and there is ONE revalidation (%s)',
    async (_how, options) => {
      const { responseCache, clock } = buildResponseCache(options);
      const gate = deferred<void>();
      const upstream = versionedUpstream(async (call) => {
        if (call > 1) await gate.promise;
        return buildResponse({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=20' }, body: Buffer.from(`v${call}`) });
      });
      await responseCache.serve(buildRequest(), upstream.fetch);
      clock.advanceSeconds(12);

      const results = await Promise.all(Array.from({ length: 50 }, () => responseCache.serve(buildRequest(), upstream.fetch)));
      expect(results.every((result) => result.status === 'STALE' && result.response.body.toString() === 'v1')).toBe(true);
      expect(upstream.calls).toBe(2);

      gate.resolve();
      await eventually(async () => (await bodyOf(responseCache.serve(buildRequest(), upstream.fetch))) === 'v2');
      expect(upstream.calls).toBe(2);
    },
  );

  it('when the revalidation fails, then the stale entry keeps being served until its window ends, and never after', async () => {
    const { responseCache, clock, outcomes } = buildResponseCache();
    const upstream = versionedUpstream((call) =>
      call === 1
        ? buildResponse({ headers: { 'cache-control': 'max-age=10, stale-while-revalidate=20' }, body: Buffer.from('v1') })
        : Promise.reject(new Error('upstream down')),
    );
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(11);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('STALE');
    await eventually(() => upstream.calls === 2, { description: 'the failed revalidation' });

    clock.advanceSeconds(18); // 29 s: still inside the 30 s window
    expect(await bodyOf(responseCache.serve(buildRequest(), upstream.fetch))).toBe('v1');
    await eventually(() => upstream.calls === 3, { description: 'another attempt' });

    clock.advanceSeconds(1.5); // 30.5 s: past the window
    await expect(responseCache.serve(buildRequest(), upstream.fetch)).rejects.toThrow('upstream down');
    expect(outcomes.slice(0, 3).map((outcome) => outcome.status)).toEqual(['MISS', 'STALE', 'STALE']);
  });

  it('when the revalidation gets a 5xx, then the stale entry is kept', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = versionedUpstream((call) =>
      call === 1
        ? buildResponse({ headers: { 'cache-control': 'max-age=10' }, body: Buffer.from('v1') })
        : buildResponse({ statusCode: 502, body: Buffer.from('bad gateway') }),
    );
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(11);
    await responseCache.serve(buildRequest(), upstream.fetch);
    await eventually(() => upstream.calls === 2);
    const again = await responseCache.serve(buildRequest(), upstream.fetch);
    expect(again.status).toBe('STALE');
    expect(again.response.body.toString()).toBe('v1');
  });

  it('when the revalidation says the response may no longer be stored (404, no-store), then the stale entry is dropped', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = versionedUpstream((call) =>
      call === 1 ? buildResponse({ headers: { 'cache-control': 'max-age=10' } }) : buildResponse({ statusCode: 404 }),
    );
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(11);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('STALE');
    await eventually(async () => (await responseCache.serve(buildRequest(), upstream.fetch)).response.statusCode === 404, {
      description: 'the entry to be dropped',
    });
  });

  it('when the response has must-revalidate, then it is never served stale', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = fakeUpstream(() => buildResponse({ headers: { 'cache-control': 'max-age=10, must-revalidate' } }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(11);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('MISS');
  });

  it('when a HEAD request finds a stale entry, then it is fetched (a HEAD cannot refresh the GET entry)', async () => {
    const { responseCache, clock } = buildResponseCache();
    const upstream = versionedUpstream();
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(11);
    expect((await responseCache.serve(buildRequest({ method: 'HEAD' }), upstream.fetch)).status).toBe('MISS');
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('STALE');
  });

  it('when the configured stale window is used (no directive), then the entry is STALE inside it', async () => {
    const { responseCache, clock } = buildResponseCache({ staleWhileRevalidateSeconds: 5 });
    const upstream = fakeUpstream(() => buildResponse({ headers: { 'cache-control': 'max-age=10' } }));
    await responseCache.serve(buildRequest(), upstream.fetch);
    clock.advanceSeconds(14);
    expect((await responseCache.serve(buildRequest(), upstream.fetch)).status).toBe('STALE');
  });
});
