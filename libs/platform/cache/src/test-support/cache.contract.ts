import { eventually, uniqueName } from '@tenantry/testing';
import type { Cache } from '../cache';
import { type CacheKey, tenantKey } from '../keys';

const newTenantId = (): string => uniqueName('tenant');
const text = (value: Buffer | null): string | null => (value === null ? null : value.toString('utf8'));

/**
 * THE cache contract: RedisCache (against a real Redis) and InMemoryCache run exactly these tests.
 * Every test uses fresh tenant ids, so suites sharing one Redis never see each other's keys.
 */
export function cacheContract(adapter: string, open: () => Promise<{ cache: Cache; close(): Promise<void> }>): void {
  describe(`cache contract (${adapter})`, () => {
    let cache: Cache;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ cache, close } = await open());
    });
    afterAll(() => close());

    it('when a key was never set, then it reads as missing with no TTL', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'nothing');
      expect(await cache.get(key)).toBeNull();
      expect(await cache.ttl(key)).toBeNull();
    });

    it('when a value is set, then it reads back as bytes with a TTL no longer than requested', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'GET /plans');
      await cache.set(key, '{"plans":[]}', { ttlSeconds: 60 });

      expect(text(await cache.get(key))).toBe('{"plans":[]}');
      const ttl = await cache.ttl(key);
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
    });

    it('when a value is set again, then value and TTL are replaced', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'again');
      await cache.set(key, 'first', { ttlSeconds: 60 });
      await cache.set(key, 'second', { ttlSeconds: 5 });
      expect(text(await cache.get(key))).toBe('second');
      expect(await cache.ttl(key)).toBeLessThanOrEqual(5);
    });

    it('when the TTL passes, then the entry is gone', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'short-lived');
      await cache.set(key, 'soon gone', { ttlSeconds: 0.2 });
      expect(text(await cache.get(key))).toBe('soon gone');

      await eventually(async () => (await cache.get(key)) === null, { description: 'the entry to expire', timeoutMs: 5_000 });
      expect(await cache.ttl(key)).toBeNull();
    });

    it('when the value is binary, then every byte survives the round trip', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'binary');
      const bytes = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, index) => index)),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00]),
      ]);
      await cache.set(key, bytes, { ttlSeconds: 60 });
      expect((await cache.get(key))?.equals(bytes)).toBe(true);
    });

    it('when a caller changes a buffer it stored or read, then the cached bytes do not change', async () => {
      const key = tenantKey(newTenantId(), 'responses', 'copy');
      const stored = Buffer.from('abc');
      await cache.set(key, stored, { ttlSeconds: 60 });
      stored.write('x');
      (await cache.get(key))?.write('y');
      expect(text(await cache.get(key))).toBe('abc');
    });

    it('when many are set and read, then each value lands at its key and missing ones read as null', async () => {
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      const keys = [tenantKey(tenantA, 'ns', '1'), tenantKey(tenantB, 'ns', '2'), tenantKey(tenantA, 'other', '3')];
      await cache.setMany(keys.map((key, index) => ({ key, value: `value ${index}`, ttlSeconds: 60 })));

      const values = await cache.getMany([
        keys[2] as CacheKey,
        tenantKey(tenantA, 'ns', 'missing'),
        keys[0] as CacheKey,
        keys[1] as CacheKey,
      ]);

      expect(values.map(text)).toEqual(['value 2', null, 'value 0', 'value 1']);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('when keys are deleted, then they are gone and the count says how many existed', async () => {
      const tenantId = newTenantId();
      const [kept, first, second] = ['kept', 'first', 'second'].map((part) => tenantKey(tenantId, 'ns', part)) as [
        CacheKey,
        CacheKey,
        CacheKey,
      ];
      await cache.setMany([kept, first, second].map((key) => ({ key, value: 'x', ttlSeconds: 60 })));

      expect(await cache.delete([first, second, tenantKey(tenantId, 'ns', 'never')])).toBe(2);
      expect(await cache.getMany([kept, first, second])).toEqual([expect.any(Buffer), null, null]);
    });

    it('when many callers race for setIfAbsent, then exactly one gets it, and it is free again after delete', async () => {
      const lock = tenantKey(newTenantId(), 'single-flight', 'GET /slow');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => cache.setIfAbsent(lock, `owner ${index}`, { ttlSeconds: 30 })),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(text(await cache.get(lock))).toBe(`owner ${results.indexOf(true)}`);
      await cache.delete([lock]);
      expect(await cache.setIfAbsent(lock, 'next', { ttlSeconds: 30 })).toBe(true);
    });

    it("when a tenant is purged, then all its keys go and every other tenant's stay", async () => {
      const [tenant, neighbour] = [newTenantId(), newTenantId()];
      const many = Array.from({ length: 1200 }, (_, index) => ({
        key: tenantKey(tenant, index % 2 ? 'responses' : 'features', String(index)),
        value: 'v',
        ttlSeconds: 60,
      }));
      const survivor = tenantKey(neighbour, 'responses', '0');
      await cache.setMany([...many, { key: survivor, value: 'mine', ttlSeconds: 60 }]);

      expect(await cache.purge(tenant)).toBe(1200);

      expect(await cache.getMany(many.slice(0, 50).map((entry) => entry.key))).toEqual(Array(50).fill(null));
      expect(text(await cache.get(survivor))).toBe('mine');
    });

    it('when one namespace of a tenant is purged, then only that namespace goes', async () => {
      const tenantId = newTenantId();
      const responses = tenantKey(tenantId, 'responses', 'GET /a');
      const features = tenantKey(tenantId, 'features', 'all');
      const lookalike = tenantKey(tenantId, 'responses-v2', 'GET /a');
      await cache.setMany([responses, features, lookalike].map((key) => ({ key, value: 'v', ttlSeconds: 60 })));

      expect(await cache.purge(tenantId, 'responses')).toBe(1);

      expect(await cache.getMany([responses, features, lookalike])).toEqual([null, expect.any(Buffer), expect.any(Buffer)]);
    });

    it('when ids and parts are adversarial, then keys of different tenants never collide and purge stays inside its tenant', async () => {
      const suffix = uniqueName('x');
      const lookalikes: Array<[string, string, string]> = [
        [`a:b${suffix}`, 'ns', 'k'],
        [`a${suffix}`, 'b:ns', 'k'],
        [`a${suffix}`, 'b', 'ns:k'],
        [`a${suffix}}:{b`, 'ns', 'k'],
        [`a${suffix}*`, 'ns', 'k'],
        [`a${suffix}%3A`, 'ns', 'k'],
        [`a${suffix}`, 'ns', 'k'],
        [`a${suffix}`, 'ns:k', ''],
      ];
      const keys = lookalikes.map(([tenantId, namespace, part]) => tenantKey(tenantId, namespace, part));
      expect(new Set(keys).size).toBe(keys.length);
      await cache.setMany(keys.map((key, index) => ({ key, value: `owner ${index}`, ttlSeconds: 60 })));

      expect((await cache.getMany(keys)).map(text)).toEqual(keys.map((_, index) => `owner ${index}`));
      await cache.purge(`a${suffix}`);
      expect((await cache.getMany(keys)).map((value) => value !== null)).toEqual(lookalikes.map(([tenantId]) => tenantId !== `a${suffix}`));
      await cache.purge(`a${suffix}*`);
      expect(text(await cache.get(keys[0] as CacheKey))).toBe('owner 0');
    });

    it('when a namespace is scanned step by step, then every key of it is found once with its size, and nothing of other namespaces or tenants', async () => {
      const tenantId = newTenantId();
      const values = new Map(
        Array.from({ length: 25 }, (_, index) => [tenantKey(tenantId, 'responses', `k${index}`), 'x'.repeat(index + 1)]),
      );
      for (const [key, value] of values) await cache.set(key, value, { ttlSeconds: 60 });
      await cache.set(tenantKey(tenantId, 'other', 'k0'), 'elsewhere', { ttlSeconds: 60 });
      await cache.set(tenantKey(newTenantId(), 'responses', 'k0'), 'another tenant', { ttlSeconds: 60 });

      const found = new Map<string, number>();
      let cursor = '0';
      do {
        const page = await cache.scanPage(tenantId, 'responses', cursor, 7);
        cursor = page.cursor;
        for (const { key, bytes } of page.keys) found.set(key, bytes);
      } while (cursor !== '0');

      const expected = [...values].map(([key, value]): [string, number] => [key, value.length]);
      expect([...found].sort()).toEqual(expected.sort());
    });

    it('when counters are incremented, then they add up per field, read back as numbers and expire with their hash', async () => {
      const key = tenantKey(newTenantId(), 'cache-stats', 'counters');
      expect(await cache.readCounters(key)).toEqual({});
      await cache.incrementCounters(key, { 'hits /a': 1, 'misses /a': 2 }, { ttlSeconds: 60 });
      await cache.incrementCounters(key, { 'hits /a': 3 }, { ttlSeconds: 60 });
      expect(await cache.readCounters(key)).toEqual({ 'hits /a': 4, 'misses /a': 2 });
      expect(await cache.delete([key])).toBe(1);
      expect(await cache.readCounters(key)).toEqual({});
    });

    it('when the cache is healthy, then health says up', async () => {
      expect(await cache.health()).toMatchObject({ status: 'up' });
    });
  });
}
