import { type Cache, CacheUnavailableError, InMemoryCache } from '@tenantry/cache';

/**
 * An in-memory cache that can be "taken down": while down, every operation rejects (with
 * CacheUnavailableError, or with `failure` to simulate an unexpected error), like a dead Redis. It
 * counts the calls, per operation too.
 */
export function switchableCache(inner: Cache = new InMemoryCache()) {
  const state = { down: false, failure: undefined as Error | undefined, calls: 0, callsOf: {} as Record<string, number> };
  const cache = new Proxy(inner, {
    get(target, operation, receiver) {
      const original = Reflect.get(target, operation, receiver) as unknown;
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        state.calls += 1;
        state.callsOf[String(operation)] = (state.callsOf[String(operation)] ?? 0) + 1;
        if (state.down) return Promise.reject(state.failure ?? new CacheUnavailableError('Redis is unavailable (test)'));
        return (original as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { cache, state };
}
