import { isKeyOf } from '@tenantry/cache';
import { RESPONSES_NAMESPACE, RequestKeys, baseParts, generationKey, lockKey, primaryKey, sortedQuery, variantKey } from './keys';
import { buildRequest } from './test-support/builders';

describe('sortedQuery', () => {
  it.each([
    ['', ''],
    ['a=1', 'a=1'],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=1&b=2', 'a=1&b=2'],
    ['tier=pro&limit=10&cursor=x', 'cursor=x&limit=10&tier=pro'],
    ['a=2&b=1&a=1', 'a=2&a=1&b=1'],
    ['flag&a=1', 'a=1&flag'],
    ['a=1&&b=2&', 'a=1&b=2'],
  ])('when the query is %j, then the key uses %j', (query, expected) => {
    expect(sortedQuery(query)).toBe(expected);
  });

  it('when a parameter repeats, then its values keep their order (a=1&a=2 and a=2&a=1 are different requests)', () => {
    expect(sortedQuery('a=1&z=0&a=2')).not.toBe(sortedQuery('a=2&z=0&a=1'));
  });

  it('when values are encoded differently, then they are not normalised (the upstream sees them as sent)', () => {
    expect(sortedQuery('a=%41')).not.toBe(sortedQuery('a=A'));
  });
});

describe('response cache keys', () => {
  it('when two requests differ only in query order, then they share the primary key', () => {
    const first = primaryKey('t1', baseParts(buildRequest({ query: 'b=2&a=1' })));
    const second = primaryKey('t1', baseParts(buildRequest({ query: 'a=1&b=2' })));
    expect(first).toBe(second);
  });

  it('when a request is HEAD, then it reads the GET key', () => {
    expect(baseParts(buildRequest({ method: 'HEAD' }))).toEqual(baseParts(buildRequest({ method: 'GET' })));
  });

  it("when keys are built, then all of them (entry, variant, lock, generation) are distinct and in the tenant's responses namespace", () => {
    const parts = baseParts(buildRequest({ query: 'x=1' }));
    const primary = primaryKey('t1', parts);
    const keys = [primary, variantKey('t1', parts, ['accept'], { accept: 'text/csv' }), lockKey('t1', primary), generationKey('t1')];
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(isKeyOf(key, 't1', RESPONSES_NAMESPACE)).toBe(true);
      expect(isKeyOf(key, 't2')).toBe(false);
    }
  });

  it('when ids, paths, queries and partitions try to forge separators, then every combination still gets its own key', () => {
    const requests = [
      { tenantId: 'a', path: '/x', query: '' },
      { tenantId: 'a:responses:GET', path: '/x', query: '' },
      { tenantId: 'a}', path: '/x', query: '' },
      { tenantId: 'a', path: '/x:', query: '' },
      { tenantId: 'a', path: '/x', query: ':' },
      { tenantId: 'a', path: '/x:', query: 'q' },
      { tenantId: 'a', path: '/x', query: ':q' },
      { tenantId: 'a', path: '/x%3A', query: 'q' },
      { tenantId: 'a', path: '/x', query: '', partition: 'p' },
      { tenantId: 'a', path: ':p:/x', query: '' },
      { tenantId: 'a', path: '/x', query: '', partition: ':/x' },
      { tenantId: '*', path: '/x', query: '' },
      { tenantId: 'a', path: '/x*', query: '' },
    ].map((overrides) => buildRequest(overrides));
    const keys = requests.map((req) => primaryKey(req.tenantId, baseParts(req)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('when a Vary value is absent, empty or contains separators, then each variant key is distinct', () => {
    const parts = baseParts(buildRequest());
    const variants = [
      {},
      { accept: '' },
      { accept: 'a' },
      { accept: 'a:b' },
      { accept: 'a', 'accept-language': 'b' },
      { accept: 'a:accept-language:=b' },
    ].map((headers) => variantKey('t1', parts, ['accept', 'accept-language'], headers));
    expect(new Set(variants).size).toBe(variants.length);
    expect(variants).not.toContain(primaryKey('t1', parts));
  });
});

describe('RequestKeys (the primary-key memo)', () => {
  it('when requests shift characters between tenant, partition, path and query, then the memo never mixes them up', () => {
    const keys = new RequestKeys();
    const requests = [
      { tenantId: 'ab', path: '/c', query: '' },
      { tenantId: 'a', path: 'b/c', query: '' },
      { tenantId: 'a', partition: 'b', path: '/c', query: '' },
      { tenantId: 'a', path: '/c', query: 'b' },
      { tenantId: 'a', path: '/cb', query: '' },
      { tenantId: '1:a', path: '/c', query: '' },
      { tenantId: 'a', partition: '1:x', path: '/c', query: '' },
    ].map((overrides) => buildRequest(overrides));
    for (const req of [...requests, ...requests]) expect(keys.of(req).primary).toBe(primaryKey(req.tenantId, baseParts(req)));
  });

  it('when more distinct requests than its bound arrive, then it stays bounded and still answers correctly', () => {
    const keys = new RequestKeys(10);
    for (let index = 0; index < 100; index += 1) keys.of(buildRequest({ query: `cursor=${index}` }));
    const req = buildRequest({ query: 'cursor=1' });
    expect(keys.of(req).primary).toBe(primaryKey(req.tenantId, baseParts(req)));
    expect(keys.size).toBe(10);
  });
});
