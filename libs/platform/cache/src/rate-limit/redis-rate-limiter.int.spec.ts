import { UNLIMITED } from '@tenantry/contracts';
import { describeWithInfra, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { tenantKey } from '../keys';
import { type RedisConnection, createRedisConnection } from '../redis/connection';
import { rateLimiterContract } from '../test-support/rate-limiter.contract';
import type { RateLimitDecision } from './rate-limiter';
import { RedisRateLimiter, rateLimitKey } from './redis-rate-limiter';

const logger = pino({ level: 'silent' });

/** A fixed-offset zone where it is about noon now, so a test counting by the server clock is far from any day boundary. */
function zoneAtNoon(): string {
  const offset = Math.max(-12, Math.min(14, 12 - new Date().getUTCHours()));
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`; // Etc/GMT-2 is UTC+2
}

/** EVALSHA and EVAL calls the server has answered so far (INFO commandstats). */
async function scriptCalls(connection: RedisConnection): Promise<number> {
  const stats = await connection.client.info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

describeWithInfra('RedisRateLimiter', ['redis'], (infra) => {
  rateLimiterContract('Redis', async (clock) => {
    const connection = createRedisConnection({ url: infra.redisUrl, logger });
    await connection.waitUntilReady();
    return { limiter: new RedisRateLimiter({ connection, now: clock }), close: () => connection.close() };
  });

  describe('on the Redis server clock', () => {
    let connection: RedisConnection;
    beforeAll(async () => {
      connection = createRedisConnection({ url: infra.redisUrl, logger });
      await connection.waitUntilReady();
    });
    afterAll(() => connection.close());

    it('when no clock is injected, then the windows follow the server clock and the one key per tenant expires with its last window, or with the day after a day window (which bounds the next window)', async () => {
      const tenantId = uniqueName('tenant');
      const limiter = new RedisRateLimiter({ connection });
      const decision = await limiter.consume({ tenantId, limits: { perMinute: 5, perDay: UNLIMITED }, timezone: 'UTC' });

      expect(decision).toMatchObject({ allowed: true, policies: [{ name: 'minute', remaining: 4 }] });
      const [minute] = decision.policies;
      expect(minute?.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(minute?.resetSeconds).toBeLessThanOrEqual(60);
      const key = rateLimitKey(tenantId);
      expect(key).toBe(`tnt:{${tenantId}}:ratelimit:counters`);
      const minuteTtl = await connection.client.pttl(key); // ms left on the counters after a minute-limited call
      expect(minuteTtl).toBeGreaterThan(0);
      expect(minuteTtl).toBeLessThanOrEqual(61_000);

      await limiter.consume({ tenantId, limits: { perMinute: 5, perDay: 1000 }, timezone: zoneAtNoon() });
      const dayTtl = await connection.client.pttl(key); // ms
      // About noon: the day ends in ~12 h, the day after it in ~36 h (at most two DST days of 25 h).
      expect(dayTtl).toBeGreaterThan(25 * 3600_000);
      expect(dayTtl).toBeLessThanOrEqual(2 * 25 * 3600_000 + 1000);
    });

    it('when two gateway processes on separate connections race 64 requests for one tenant, then exactly N are admitted', async () => {
      const gateways = [
        new RedisRateLimiter({ redisUrl: infra.redisUrl, logger }),
        new RedisRateLimiter({ redisUrl: infra.redisUrl, logger }),
      ];
      try {
        await Promise.all(gateways.map((gateway) => gateway.waitUntilReady()));
        const tenantId = uniqueName('tenant');
        const timezone = zoneAtNoon();
        const decisions = await Promise.all(
          Array.from(
            { length: 64 },
            (_, index) =>
              gateways[index % 2]?.consume({
                tenantId,
                limits: { perMinute: UNLIMITED, perDay: 23 },
                timezone,
              }) as Promise<RateLimitDecision>,
          ),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(23);
        expect(decisions.filter((decision) => !decision.allowed).every((decision) => decision.refusedBy === 'day')).toBe(true);
        // Every admitted request saw a distinct count: none was lost or double-counted.
        const remainingSeen = decisions.filter((decision) => decision.allowed).map((decision) => decision.policies[0]?.remaining);
        expect(new Set(remainingSeen).size).toBe(23);
      } finally {
        await Promise.all(gateways.map((gateway) => gateway.close()));
      }
    });

    it('when both policies apply and two processes race at one instant, then exactly the tighter limit is admitted and the other is not over-counted', async () => {
      const now = (): number => Date.parse('2025-06-02T10:00:30Z');
      const [first, second] = [
        new RedisRateLimiter({ redisUrl: infra.redisUrl, logger, now }),
        new RedisRateLimiter({ redisUrl: infra.redisUrl, logger, now }),
      ];
      try {
        await Promise.all([first.waitUntilReady(), second.waitUntilReady()]);
        const tenantId = uniqueName('tenant');
        const limits = { perMinute: 13, perDay: 1000 };
        const decisions = await Promise.all(
          Array.from({ length: 64 }, (_, index) => (index % 2 ? first : second).consume({ tenantId, limits, timezone: 'UTC' })),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(13);
        expect(
          (await first.consume({ tenantId, limits: { perMinute: UNLIMITED, perDay: 1000 }, timezone: 'UTC' })).policies[0]?.remaining,
        ).toBe(1000 - 14);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('when a request is limited and reads cache keys, then one script consumes the limit and returns the values, and a refused one reads and consumes nothing', async () => {
      const limiter = new RedisRateLimiter({ connection });
      const tenantId = uniqueName('tenant');
      const stored = tenantKey(tenantId, 'responses', 'entry');
      const missing = tenantKey(tenantId, 'responses', 'absent');
      await connection.client.set(stored, Buffer.from([0x01, 0xff, 0x00, 0x7f]), 'PX', 60_000);
      const request = { tenantId, limits: { perMinute: 1, perDay: UNLIMITED }, timezone: 'UTC' };
      const commandsBefore = await scriptCalls(connection);

      const allowed = await limiter.consumeThenRead(request, [stored, missing]);
      expect(allowed.decision).toMatchObject({ allowed: true, policies: [{ name: 'minute', remaining: 0 }] });
      expect(allowed.values).toEqual([Buffer.from([0x01, 0xff, 0x00, 0x7f]), null]);
      expect((await scriptCalls(connection)) - commandsBefore).toBe(1);

      const refused = await limiter.consumeThenRead(request, [stored]);
      expect(refused).toEqual({ decision: expect.objectContaining({ allowed: false, refusedBy: 'minute' }) });
      expect(await limiter.consume({ ...request, limits: { perMinute: 5, perDay: UNLIMITED } })).toMatchObject({
        policies: [{ remaining: 3 }],
      });
    });

    it("when asked to read another tenant's key, then it refuses before anything is sent", async () => {
      const limiter = new RedisRateLimiter({ connection });
      const request = { tenantId: uniqueName('tenant'), limits: { perMinute: 5, perDay: UNLIMITED }, timezone: 'UTC' };
      await expect(limiter.consumeThenRead(request, [tenantKey(uniqueName('other'), 'responses', 'entry')])).rejects.toThrow(RangeError);
    });

    it('when Redis has lost the script (restart, SCRIPT FLUSH), then the next request loads it again and counting goes on', async () => {
      const limiter = new RedisRateLimiter({ connection });
      const tenantId = uniqueName('tenant');
      const request = { tenantId, limits: { perMinute: UNLIMITED, perDay: 10 }, timezone: zoneAtNoon() };
      await limiter.consume(request);
      await connection.client.script('FLUSH');
      expect(await limiter.consume(request)).toMatchObject({ allowed: true, policies: [{ remaining: 8 }] });
      expect(await limiter.consume(request)).toMatchObject({ allowed: true, policies: [{ remaining: 7 }] });
    });
  });

  describe('when Redis cannot be reached', () => {
    it('then limited requests reject at once with CacheUnavailableError, and unlimited tenants never need Redis', async () => {
      const limiter = new RedisRateLimiter({ redisUrl: 'redis://127.0.0.1:1', logger });
      try {
        // Refused before anything is sent (the connection is not ready), not after a command timeout.
        await expect(limiter.consume({ tenantId: 'tenant', limits: { perMinute: 10, perDay: 100 }, timezone: 'UTC' })).rejects.toThrow(
          /^Redis is unavailable \(connection (?!ready\))\w+\)$/,
        );
        expect(await limiter.consume({ tenantId: 'tenant', limits: { perMinute: UNLIMITED, perDay: UNLIMITED }, timezone: 'UTC' })).toEqual(
          { allowed: true, policies: [] },
        );
        expect(await limiter.health()).toMatchObject({ status: 'down' });
      } finally {
        await limiter.close();
      }
    });
  });
});
