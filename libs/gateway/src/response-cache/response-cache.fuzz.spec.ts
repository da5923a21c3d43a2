import { buildRequest, buildResponse, buildResponseCache, fakeUpstream } from './test-support/builders';
import type { HeaderMap } from './types';

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const alphabet = ['a', 'Z', '0', ':', '{', '}', '*', '%', '&', '=', '?', '/', ' ', ',', '"', '\\', ';', 'ü', '😀', '\n', '\u0000'];
  const text = (max: number) => Array.from({ length: Math.floor(next() * max) }, () => pick(alphabet)).join('');
  return { next, pick, text };
}

const DIRECTIVES = [
  'max-age=5',
  'max-age=abc',
  's-maxage=0',
  'no-store',
  'private',
  'no-cache',
  'public',
  'must-revalidate',
  'stale-while-revalidate=x',
  '=',
  ',,',
  '"',
  'max-age="9"',
];

describe('ResponseCache: fuzzed requests and responses', () => {
  it("when paths, queries, headers and response directives are arbitrary, then serve never fails, and tenants never see each other's bodies", async () => {
    const { responseCache } = buildResponseCache();
    const { next, pick, text } = random(20_260_101);
    const seen = new Set<string>();
    for (let round = 0; round < 400; round += 1) {
      const tenantId = pick(['a', 'a:b', '{a}', '*', 'b']);
      const requestHeaders: Record<string, string | string[] | undefined> = {
        accept: text(8),
        'cache-control': next() < 0.2 ? text(12) : undefined,
        'x-any': [text(4), text(4)],
      };
      const responseHeaders: HeaderMap = {
        'cache-control': Array.from({ length: Math.floor(next() * 3) }, () => pick(DIRECTIVES)).join(pick([', ', ',', ' '])),
        vary: pick(['', '', 'accept', 'Accept, X-Any', text(6), 'accept,,', '*']),
        expires: pick(['', '0', text(10), 'Thu, 01 Jan 2099 00:00:00 GMT']),
        [text(5) || 'x-empty']: text(10),
      };
      const upstream = fakeUpstream(() =>
        buildResponse({ statusCode: pick([200, 204, 301, 404, 500]), headers: responseHeaders, body: Buffer.from(`tenant=${tenantId}`) }),
      );
      const result = await responseCache.serve(
        buildRequest({
          tenantId,
          method: pick(['GET', 'GET', 'HEAD', 'POST']),
          path: pick(['/x', '/x:', '/{a}', `/${text(6)}`]),
          query: pick(['', 'a=1&b=2', 'b=2&a=1', text(8)]),
          headers: requestHeaders,
        }),
        upstream.fetch,
      );
      expect(['HIT', 'MISS', 'BYPASS', 'STALE']).toContain(result.status);
      seen.add(result.status);
      if (result.response.body.length > 0) expect(result.response.body.toString()).toBe(`tenant=${tenantId}`);
    }
    expect([...seen].sort()).toEqual(['BYPASS', 'HIT', 'MISS']); // the fuzz reached every path, hits included
  });
});
