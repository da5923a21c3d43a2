import { controlInfra, describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { createRedisConnection } from '../redis/connection';
import { FallbackRateLimiter } from './fallback-rate-limiter';
import type { RateLimitDecision, RateLimitRequest } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';

const logger = pino({ level: 'silent' });

describeWithInfra('Rate limiting when Redis goes away', ['redis'], (infra) => {
  jest.setTimeout(120_000);

  it('when Redis stops, then the gateway keeps deciding fast, limits hold per process, decisions say degraded; when it is back, limits are shared again', async () => {
    const connection = createRedisConnection({ url: infra.redisUrl, logger });
    await connection.waitUntilReady();
    const primary = new RedisRateLimiter({ connection });
    const perProcess = new FallbackRateLimiter({ primary, logger, probeIntervalMs: 200 });
    const failOpen = new FallbackRateLimiter({ primary, logger, mode: 'fail-open', probeIntervalMs: 200 });
    const failClosed = new FallbackRateLimiter({ primary, logger, mode: 'fail-closed', probeIntervalMs: 200 });
    const tenant = (): RateLimitRequest => ({
      tenantId: uniqueName('tenant'),
      limits: { perMinute: 1000, perDay: 3 },
      timezone: 'Europe/Ljubljana',
    });

    expect(await perProcess.consume(tenant())).toMatchObject({
      allowed: true,
      policies: [{ name: 'minute' }, { name: 'day', remaining: 2 }],
    });
    expect(perProcess.status()).toMatchObject({ backend: 'redis', degraded: false });

    let during: RateLimitDecision[] = [];
    try {
      await controlInfra('stop', 'redis');
      await eventually(async () => (await perProcess.consume(tenant())).degraded === true, {
        description: 'the limiter to notice the outage',
      });

      const request = tenant();
      // Decided in the process without going to Redis for each request (no per-request timeout to wait for).
      const askedRedis = jest.spyOn(primary, 'consume');
      during = [];
      for (let index = 0; index < 5; index += 1) during.push(await perProcess.consume(request));
      expect(askedRedis).not.toHaveBeenCalled();
      askedRedis.mockRestore();
      expect(await failOpen.consume(request)).toMatchObject({ allowed: true, degraded: true });
      expect(await failClosed.consume(request)).toEqual({ allowed: false, degraded: true, retryAfterSeconds: 1, policies: [] });
      expect(perProcess.status()).toMatchObject({ backend: 'per-process', degraded: true, since: expect.any(String) });
      expect(await perProcess.health()).toMatchObject({ status: 'down' });
    } finally {
      await controlInfra('start', 'redis');
    }

    expect(during.map((decision) => [decision.allowed, decision.degraded, decision.refusedBy])).toEqual([
      [true, true, undefined],
      [true, true, undefined],
      [true, true, undefined],
      [false, true, 'day'],
      [false, true, 'day'],
    ]);

    await eventually(() => !perProcess.status().degraded, { timeoutMs: 30_000, description: 'the limiter to switch back to Redis' });
    const after = await perProcess.consume(tenant());
    expect(after).toMatchObject({ allowed: true, policies: [{ name: 'minute' }, { name: 'day', remaining: 2 }] });
    expect(after.degraded).toBeUndefined();
    await eventually(async () => (await failClosed.consume(tenant())).allowed, {
      timeoutMs: 30_000,
      description: 'fail-closed to admit again',
    });
    await connection.close();
  });
});
