import { describeWithInfra, eventually, startPrivateRedis, uniqueName } from '@tenantry/testing';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { CacheUnavailableError } from '../cache';
import { tenantKey } from '../keys';
import { RedisRateLimiter } from '../rate-limit/redis-rate-limiter';
import { type RedisConnection, createRedisConnection } from './connection';
import { RedisCache } from './redis-cache';

const logger = pino({ level: 'silent' });
const LARGE = Buffer.alloc(2 * 1024 * 1024, 7);

/** Whether a value read is LARGE, byte for byte (toEqual walks a Buffer element by element). */
function isLarge(value: Buffer | null | undefined): boolean {
  return value !== null && value !== undefined && value.equals(LARGE);
}

/** A promise and whether it has settled yet (read synchronously). */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const observed = promise.finally(() => {
    settled = true;
  });
  return { promise: observed, settled: () => settled };
}

/** The socket of a pool connection, whose incoming bytes a test holds back (pause) and lets through (resume). */
function socketOf(client: Redis | undefined): { pause(): void; resume(): void } {
  return (client as Redis).stream as unknown as { pause(): void; resume(): void };
}

describeWithInfra('Redis connection pool', ['redis'], (infra) => {
  jest.setTimeout(60_000);
  let connection: RedisConnection;

  beforeEach(async () => {
    // A deadline far beyond the test: the replies held back here are not stalls.
    connection = createRedisConnection({ url: infra.redisUrl, logger, poolSize: 3, commandTimeoutMs: 600_000 });
    await connection.waitUntilReady(30_000);
  });
  afterEach(() => connection.close());

  it('when a key holds a large value, then it travels on the large-value lane, and a small read is answered while the large reply is held back', async () => {
    const cache = new RedisCache(connection);
    const tenant = uniqueName('tenant');
    const [largeKey, smallKey] = [tenantKey(tenant, 'responses', 'large'), tenantKey(tenant, 'responses', 'small')];
    await cache.set(largeKey, LARGE, { ttlSeconds: 60 });
    await cache.set(smallKey, 'small', { ttlSeconds: 60 });
    const largeLane = connection.clients[2];

    socketOf(largeLane).pause();
    const large = track(cache.get(largeKey));
    expect((await cache.get(smallKey))?.toString()).toBe('small');
    expect(largeLane?.commandQueue.length).toBe(1); // the large read went out on its lane and is owed there
    expect(large.settled()).toBe(false);

    socketOf(largeLane).resume();
    expect(isLarge(await large.promise)).toBe(true);
    await cache.delete([largeKey, smallKey]);
  });

  it('when a large value nobody here knew of is on its way in on one connection, then the next small read goes to another and is answered first', async () => {
    const writer = createRedisConnection({ url: infra.redisUrl, logger, poolSize: 1 });
    await writer.waitUntilReady(30_000);
    const tenant = uniqueName('tenant');
    const [largeKey, smallKey] = [tenantKey(tenant, 'responses', 'large'), tenantKey(tenant, 'responses', 'small')];
    await new RedisCache(writer).set(largeKey, LARGE, { ttlSeconds: 60 });
    await writer.close();
    const cache = new RedisCache(connection);
    await cache.set(smallKey, 'small', { ttlSeconds: 60 });
    const [first] = connection.clients;

    socketOf(first).pause();
    const large = track(cache.get(largeKey)); // not known as large: the first small lane, which owes nothing
    await eventually(() => first?.commandQueue.length === 1, { description: 'the large read to be sent on the first connection' });
    expect((await cache.get(smallKey))?.toString()).toBe('small');
    expect(large.settled()).toBe(false);

    socketOf(first).resume();
    expect(isLarge(await large.promise)).toBe(true);
    await cache.delete([largeKey, smallKey]);
  });

  it("when the limiter's one script reads a large entry, then it runs on the large-value lane and other tenants' decisions are not held up behind it", async () => {
    const cache = new RedisCache(connection);
    const limiter = new RedisRateLimiter({ connection });
    const tenant = uniqueName('tenant');
    const largeKey = tenantKey(tenant, 'responses', 'large');
    await cache.set(largeKey, LARGE, { ttlSeconds: 60 });
    const largeLane = connection.clients[2];
    const limits = { perMinute: 1000, perDay: 1000 };

    socketOf(largeLane).pause();
    const hit = track(limiter.consumeThenRead({ tenantId: tenant, limits, timezone: 'Etc/UTC' }, [largeKey]));
    const other = await limiter.consume({ tenantId: uniqueName('tenant'), limits, timezone: 'Etc/UTC' });
    expect(other).toMatchObject({
      allowed: true,
      policies: [
        { name: 'minute', remaining: 999 },
        { name: 'day', remaining: 999 },
      ],
    });
    expect(largeLane?.commandQueue.length).toBe(1);
    expect(hit.settled()).toBe(false);

    socketOf(largeLane).resume();
    const answer = await hit.promise;
    expect(answer.decision.allowed).toBe(true);
    expect(isLarge(answer.values?.[0])).toBe(true);
    await cache.delete([largeKey]);
  });
});

describe('Redis connection pool on a server that stops answering (a redis-server of its own, SIGSTOP)', () => {
  jest.setTimeout(60_000);

  it('when the server stalls, then the watchdog fails the calls in flight and the health model leaves up; when it answers again, the pool recovers by itself', async () => {
    const redis = await startPrivateRedis();
    const connection = createRedisConnection({ url: redis.url, logger, commandTimeoutMs: 300, probeIntervalMs: 50 });
    try {
      await connection.waitUntilReady(30_000);
      const cache = new RedisCache(connection);
      const key = tenantKey(uniqueName('tenant'), 'responses', 'k');
      await cache.set(key, 'before', { ttlSeconds: 60 });
      expect(connection.availability.state).toBe('up');
      const states: string[] = [];
      connection.availability.onChange(({ state }) => states.push(state));

      redis.stall();
      const failure = await cache.get(key).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(CacheUnavailableError);
      expect(((failure as Error).cause as Error).message).toMatch(/no reply from Redis .* \(connection stalled\)/);
      expect(connection.availability.state).not.toBe('up');
      expect(connection.availability.usable()).toBe(false);
      // The stalled connection was cut: nothing of it is left owing replies that would never come.
      expect(connection.clients.every((client) => client.commandQueue.length === 0 || client.status !== 'ready')).toBe(true);

      redis.resume();
      await eventually(() => connection.availability.usable(), { timeoutMs: 30_000, description: 'the pool to be up again' });
      await eventually(async () => (await cache.get(key))?.toString() === 'before', {
        timeoutMs: 30_000,
        description: 'reads to work again',
      });
      expect(states[0]).toMatch(/^(degraded|down)$/);
      expect(states.at(-1)).toBe('up');
    } finally {
      redis.resume();
      await connection.close();
      await redis.stop();
    }
  });
});
