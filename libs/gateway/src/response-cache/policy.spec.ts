import { type StoragePolicy, decideStorage, requestBypassReason } from './policy';
import { buildRequest, buildResponse } from './test-support/builders';
import type { HeaderMap } from './types';

const policy: StoragePolicy = {
  defaultTtlSeconds: 60,
  maxTtlSeconds: 600,
  staleWhileRevalidateSeconds: 30,
  maxBodyBytes: 1024,
  cacheNon2xx: false,
};
const NOW = Date.UTC(2026, 0, 1);

function decide(
  headers: HeaderMap,
  overrides: { statusCode?: number; body?: Buffer; routeTtl?: number; policy?: Partial<StoragePolicy> } = {},
) {
  const response = buildResponse({ headers, statusCode: overrides.statusCode ?? 200, ...(overrides.body ? { body: overrides.body } : {}) });
  return decideStorage(response, overrides.routeTtl, { ...policy, ...overrides.policy }, NOW);
}

/** Seconds of freshness and of the stale window a storable response gets. */
function lifetimes(headers: HeaderMap, overrides: Parameters<typeof decide>[1] = {}) {
  const decision = decide(headers, overrides);
  if (!decision.store) throw new Error(`expected a storable response, got ${decision.reason}`);
  return { fresh: (decision.plan.freshUntil - NOW) / 1000, stale: (decision.plan.staleUntil - decision.plan.freshUntil) / 1000 };
}

describe('requestBypassReason', () => {
  it.each([
    ['POST', {}, 'method'],
    ['DELETE', {}, 'method'],
    ['GET', {}, undefined],
    ['HEAD', {}, undefined],
    ['GET', { 'cache-control': 'no-store' }, 'request-no-store'],
    ['GET', { 'cache-control': 'no-cache' }, 'request-no-cache'],
    ['GET', { 'cache-control': 'max-age=0' }, 'request-no-cache'],
    ['GET', { 'cache-control': 'max-age=30' }, undefined],
    ['GET', { 'cache-control': 'No-Cache, max-stale' }, 'request-no-cache'],
    ['GET', { pragma: 'no-cache' }, 'request-no-cache'],
    ['GET', { pragma: 'no-cache', 'cache-control': 'max-age=5' }, undefined],
  ])('when a %s request has %j, then the reason is %s', (method, headers, expected) => {
    expect(requestBypassReason(buildRequest({ method, headers }))).toBe(expected);
  });
});

describe('decideStorage: what is never stored', () => {
  it.each([
    [{ 'cache-control': 'no-store' }, 'not-storable:no-store', false],
    [{ 'cache-control': 'max-age=60, private' }, 'not-storable:private', false],
    [{ 'cache-control': 'private="x-user"' }, 'not-storable:private', false],
    [{ 'cache-control': 'no-cache' }, 'not-storable:no-cache', true],
    [{ 'cache-control': 'no-cache="set-cookie"' }, 'not-storable:no-cache', true],
    [{ pragma: 'no-cache' }, 'not-storable:no-cache', true],
    [{ 'set-cookie': ['session=1'] }, 'not-storable:set-cookie', false],
    [{ 'Set-Cookie': 'session=1' }, 'not-storable:set-cookie', false],
    [{ vary: '*' }, 'not-storable:vary', false],
    [{ vary: 'Accept, Authorization' }, 'not-storable:vary', false],
    [{ vary: 'cookie' }, 'not-storable:vary', false],
    [{ vary: 'X-Tenant-Id' }, 'not-storable:vary', false],
    [{ vary: 'x-tenantry-signature' }, 'not-storable:vary', false],
    [{ 'cache-control': 'max-age=0' }, 'not-storable:zero-ttl', true],
    [{ 'cache-control': 's-maxage=0, max-age=60' }, 'not-storable:zero-ttl', true],
    [{ expires: '0' }, 'not-storable:zero-ttl', true],
    [{ expires: 'Thu, 01 Jan 2026 00:00:00 GMT', date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, 'not-storable:zero-ttl', true],
  ])('when the response has %j, then it is not stored (%s); shareable with waiters: %s', (headers, reason, shareable) => {
    expect(decide(headers)).toEqual({ store: false, reason, shareable });
  });

  it.each([201, 203, 204])('when the status is %i, then it is stored', (statusCode) => {
    expect(decide({}, { statusCode }).store).toBe(true);
  });

  it.each([206, 301, 302, 304, 400, 401, 403, 404, 429, 500, 502, 503])(
    'when the status is %i and cacheNon2xx is off, then it is not stored',
    (statusCode) => {
      expect(decide({}, { statusCode })).toEqual({ store: false, reason: 'not-storable:status', shareable: true });
    },
  );

  it('when cacheNon2xx is on, then 301/404/410 are stored, but never 5xx, 429, 401/403 or 206', () => {
    const withNon2xx = { policy: { cacheNon2xx: true } };
    for (const statusCode of [300, 301, 308, 404, 405, 410, 414]) expect(decide({}, { ...withNon2xx, statusCode }).store).toBe(true);
    for (const statusCode of [206, 302, 401, 403, 429, 500, 501, 503]) expect(decide({}, { ...withNon2xx, statusCode }).store).toBe(false);
  });

  it('when the body is larger than maxBodyBytes, then it is not stored; at the limit it is', () => {
    expect(decide({}, { body: Buffer.alloc(1025) })).toEqual({ store: false, reason: 'not-storable:too-large', shareable: true });
    expect(decide({}, { body: Buffer.alloc(1024) }).store).toBe(true);
  });
});

describe('decideStorage: freshness and the stale window', () => {
  it('when the response says nothing, then it is fresh for the default TTL and stale for the configured window', () => {
    expect(lifetimes({})).toEqual({ fresh: 60, stale: 30 });
  });

  it('when the response has max-age, then that is its freshness', () => {
    expect(lifetimes({ 'cache-control': 'public, max-age=120' })).toEqual({ fresh: 120, stale: 30 });
  });

  it('when the response has both s-maxage and max-age, then s-maxage wins (this is a shared cache)', () => {
    expect(lifetimes({ 'cache-control': 'max-age=10, s-maxage=200' }).fresh).toBe(200);
  });

  it('when max-age exceeds the configured maximum, then it is capped', () => {
    expect(lifetimes({ 'cache-control': 'max-age=86400, stale-while-revalidate=86400' })).toEqual({ fresh: 600, stale: 600 });
  });

  it('when a max-age is malformed, then it is ignored and the default applies', () => {
    expect(lifetimes({ 'cache-control': 'max-age=abc' }).fresh).toBe(60);
  });

  it('when only Expires is given, then freshness is Expires minus Date', () => {
    expect(lifetimes({ date: 'Thu, 01 Jan 2026 00:00:00 GMT', expires: 'Thu, 01 Jan 2026 00:05:00 GMT' }).fresh).toBe(300);
  });

  it('when a route TTL is configured, then it replaces the default but not an explicit max-age', () => {
    expect(lifetimes({}, { routeTtl: 300 }).fresh).toBe(300);
    expect(lifetimes({ 'cache-control': 'max-age=5' }, { routeTtl: 300 }).fresh).toBe(5);
    expect(lifetimes({}, { routeTtl: 100_000 }).fresh).toBe(600);
  });

  it('when the response has stale-while-revalidate, then it sets the stale window', () => {
    expect(lifetimes({ 'cache-control': 'max-age=10, stale-while-revalidate=5' }).stale).toBe(5);
  });

  it('when the response has must-revalidate or proxy-revalidate, then it is never served stale', () => {
    expect(lifetimes({ 'cache-control': 'max-age=10, must-revalidate' }).stale).toBe(0);
    expect(lifetimes({ 'cache-control': 'max-age=10, proxy-revalidate, stale-while-revalidate=30' }).stale).toBe(0);
  });
});

describe('decideStorage: stored headers', () => {
  it('when a response is stored, then hop-by-hop, per-request, identity and cookie headers are dropped and content-length is the body length', () => {
    const decision = decide({
      'content-type': 'application/json',
      etag: '"v1"',
      'cache-control': 'max-age=60',
      vary: 'Accept',
      connection: 'keep-alive, x-hop',
      'x-hop': 'dropped because Connection names it',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      date: 'Thu, 01 Jan 2026 00:00:00 GMT',
      age: '3',
      'content-length': '999',
      'x-request-id': 'req-1',
      traceparent: '00-abc-def-01',
      tracestate: 'x=y',
      'x-tenantry-identity': 'payload',
      'x-tenantry-signature': 'sig',
      'x-tenant-id': 'tenant-a',
      authorization: 'Bearer tnt_secret',
      ratelimit: 'limit=10, remaining=9, reset=60',
      'x-cache-status': 'MISS',
    });
    if (!decision.store) throw new Error(decision.reason);
    expect(decision.plan.headers).toEqual({
      'content-type': 'application/json',
      etag: '"v1"',
      'cache-control': 'max-age=60',
      vary: 'Accept',
      'content-length': String(Buffer.from('{"plans":[]}').length),
    });
    expect(decision.plan.vary).toEqual(['accept']);
  });
});
