import { FallbackRateLimiter, RedisCache, RedisRateLimiter, createRedisConnection } from '@tenantry/cache';
import { eventually, startPrivateRedis, uniqueName } from '@tenantry/testing';
import { ResponseCache } from './response-cache';
import { buildRequest, buildResponse, fakeUpstream, silentLogger } from './test-support/builders';

/**
 * The gateway's cache and limiter on one Redis connection pool (as gateway-service wires them), against
 * a redis-server of the test's own that it stalls (SIGSTOP) — the shared Redis is never touched.
 */
describe('ResponseCache and rate limiter on one Redis: one health model', () => {
  jest.setTimeout(60_000);

  it('when Redis stalls under a hit, then one health change makes the cache bypass and the limiter fall back together; when it answers again, both resume on one change', async () => {
    const redis = await startPrivateRedis();
    const connection = createRedisConnection({ url: redis.url, logger: silentLogger, commandTimeoutMs: 300, probeIntervalMs: 50 });
    try {
      await connection.waitUntilReady(30_000);
      const responseCache = new ResponseCache({ cache: new RedisCache(connection), logger: silentLogger, enabled: true });
      const limiter = new FallbackRateLimiter({ primary: new RedisRateLimiter({ connection }), logger: silentLogger });
      // What the cache and the limiter say at the very moment the model changes.
      const seen: Array<[string, boolean, boolean]> = [];
      connection.availability.onChange(({ state }) => seen.push([state, responseCache.status().degraded, limiter.status().degraded]));

      const tenant = uniqueName('tenant');
      const req = buildRequest({ tenantId: tenant });
      const limited = { tenantId: tenant, limits: { perMinute: 1000, perDay: 1000 }, timezone: 'Etc/UTC' };
      const upstream = fakeUpstream((call) => buildResponse({ body: Buffer.from(`v${call}`) }));
      /** The gateway's hit path: the limit and the lookup in one script, then the cache serves what it read. */
      const request = async () => {
        const keys = responseCache.lookupKeys(req);
        const answer = keys ? await limiter.consumeThenRead(limited, keys) : { decision: await limiter.consume(limited) };
        const served = await responseCache.serve(req, upstream.fetch, answer.values);
        return { degraded: answer.decision.degraded === true, status: served.status };
      };
      expect(await request()).toEqual({ degraded: false, status: 'MISS' });
      expect(await request()).toEqual({ degraded: false, status: 'HIT' });

      redis.stall();
      // The hit's script is in flight when Redis stops answering: the watchdog fails it, the limiter
      // decides per process, and the cache — which made no call of its own — bypasses on the same model.
      expect(await request()).toEqual({ degraded: true, status: 'BYPASS' });
      expect(seen.length).toBeGreaterThan(0);
      for (const [state, cacheDegraded, limiterDegraded] of seen) {
        expect(state).toMatch(/^(degraded|down)$/);
        expect([cacheDegraded, limiterDegraded]).toEqual([true, true]);
      }
      expect(await request()).toEqual({ degraded: true, status: 'BYPASS' });

      redis.resume();
      await eventually(async () => !(await request()).degraded, { timeoutMs: 30_000, description: 'the limiter to use Redis again' });
      expect(seen.at(-1)).toEqual(['up', false, false]);
      expect(await request()).toEqual({ degraded: false, status: 'HIT' });
      await responseCache.purgeTenant(tenant);
      await limiter.close();
    } finally {
      redis.resume();
      await connection.close();
      await redis.stop();
    }
  });
});
