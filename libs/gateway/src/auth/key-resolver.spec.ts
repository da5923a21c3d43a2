import type { ResolvedApiKey } from '@tenantry/contracts';
import { KeyResolver } from './key-resolver';

const key = (keyId: string, tenantId = 'ten_a'): ResolvedApiKey => ({
  keyId,
  tenantId,
  keyHash: '0'.repeat(64),
  scopes: [],
  revokedAt: null,
  expiresAt: null,
  tenant: { id: tenantId, status: 'active', subscriptionTier: 'pro', subscriptionRevision: 0, timezone: 'UTC' },
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyResolver', () => {
  let clock = 0;
  const now = () => clock;

  it('when a key is asked for repeatedly within the TTL, then the tenants service is asked once', async () => {
    const fetchKey = jest.fn(async (id: string) => key(id));
    const resolver = new KeyResolver({ fetchKey, ttlMs: 1_000, negativeTtlMs: 100, now });
    await resolver.resolve('key_1');
    await resolver.resolve('key_1');
    clock += 999;
    await resolver.resolve('key_1');
    expect(fetchKey).toHaveBeenCalledTimes(1);
    clock += 2;
    await resolver.resolve('key_1');
    expect(fetchKey).toHaveBeenCalledTimes(2);
  });

  it('when 100 requests resolve one unknown key at once, then one lookup serves them all', async () => {
    const answer = deferred<ResolvedApiKey | null>();
    const fetchKey = jest.fn(() => answer.promise);
    const resolver = new KeyResolver({ fetchKey, ttlMs: 1_000, negativeTtlMs: 100, now });
    const all = Promise.all(Array.from({ length: 100 }, () => resolver.resolve('key_1')));
    answer.resolve(key('key_1'));
    expect((await all).every((resolved) => resolved?.keyId === 'key_1')).toBe(true);
    expect(fetchKey).toHaveBeenCalledTimes(1);
  });

  it('when a key is revoked, then the next request asks again', async () => {
    const fetchKey = jest.fn(async (id: string) => key(id));
    const resolver = new KeyResolver({ fetchKey, ttlMs: 60_000, negativeTtlMs: 100, now });
    await resolver.resolve('key_1');
    resolver.forgetKey('key_1');
    await resolver.resolve('key_1');
    expect(fetchKey).toHaveBeenCalledTimes(2);
  });

  it("when a tenant changes, then all of its keys are re-resolved and other tenants' are not", async () => {
    const fetchKey = jest.fn(async (id: string) => key(id, id.startsWith('key_b') ? 'ten_b' : 'ten_a'));
    const resolver = new KeyResolver({ fetchKey, ttlMs: 60_000, negativeTtlMs: 100, now });
    await Promise.all(['key_a1', 'key_a2', 'key_b1'].map((id) => resolver.resolve(id)));
    resolver.forgetTenant('ten_a');
    await Promise.all(['key_a1', 'key_a2', 'key_b1'].map((id) => resolver.resolve(id)));
    expect(fetchKey.mock.calls.map(([id]) => id).sort()).toEqual(['key_a1', 'key_a1', 'key_a2', 'key_a2', 'key_b1']);
  });

  it('when a revocation arrives while a lookup is in flight, then the stale answer is not remembered', async () => {
    const first = deferred<ResolvedApiKey | null>();
    const fetchKey = jest
      .fn()
      .mockReturnValueOnce(first.promise)
      .mockResolvedValue({ ...key('key_1'), revokedAt: new Date().toISOString() });
    const resolver = new KeyResolver({ fetchKey, ttlMs: 60_000, negativeTtlMs: 100, now });
    const pending = resolver.resolve('key_1');
    resolver.forgetKey('key_1');
    first.resolve(key('key_1')); // read before the revocation
    await pending;
    const after = await resolver.resolve('key_1');
    expect(after?.revokedAt).not.toBeNull();
  });

  it('when a key id is unknown, then it is remembered as unknown only briefly', async () => {
    const fetchKey = jest.fn(async () => null);
    const resolver = new KeyResolver({ fetchKey, ttlMs: 60_000, negativeTtlMs: 100, now });
    expect(await resolver.resolve('key_x')).toBeNull();
    expect(await resolver.resolve('key_x')).toBeNull();
    clock += 101;
    await resolver.resolve('key_x');
    expect(fetchKey).toHaveBeenCalledTimes(2);
  });

  it('when more keys are seen than the bound, then the oldest are dropped', async () => {
    const resolver = new KeyResolver({ fetchKey: async (id) => key(id), ttlMs: 60_000, negativeTtlMs: 100, maxEntries: 3, now });
    for (const id of ['k1', 'k2', 'k3', 'k4', 'k5']) await resolver.resolve(id);
    expect(resolver.size).toBe(3);
  });

  it('when the lookup fails, then the error reaches the caller and nothing is remembered', async () => {
    const fetchKey = jest.fn().mockRejectedValueOnce(new Error('tenants down')).mockResolvedValue(key('key_1'));
    const resolver = new KeyResolver({ fetchKey, ttlMs: 60_000, negativeTtlMs: 100, now });
    await expect(resolver.resolve('key_1')).rejects.toThrow('tenants down');
    expect((await resolver.resolve('key_1'))?.keyId).toBe('key_1');
  });
});
