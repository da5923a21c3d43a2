import { tenantKey } from '../keys';
import { cacheContract } from '../test-support/cache.contract';
import { InMemoryCache } from './in-memory-cache';

cacheContract('in-memory', async () => ({ cache: new InMemoryCache(), close: () => Promise.resolve() }));

describe('InMemoryCache bounds', () => {
  it('when more entries than the bound are written, then the oldest written are dropped first', async () => {
    const cache = new InMemoryCache({ maxEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((part) => tenantKey('tenant', 'ns', part));
    for (const key of [a, b, c]) if (key) await cache.set(key, 'v', { ttlSeconds: 60 });
    expect((await cache.getMany([a, b, c].filter((key) => key !== undefined))).map((value) => value !== null)).toEqual([false, true, true]);
  });
});
