import { controlInfra, describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { CacheUnavailableError } from '../cache';
import { tenantKey } from '../keys';
import { createRedisConnection } from './connection';
import { RedisCache } from './redis-cache';

/**
 * Failing fast, as behaviour rather than a stopwatch: the call is refused before anything is sent, because
 * the connection is not ready — not after a command timeout or a queue that waits for Redis to come back.
 */
async function expectRefusedUpFront(call: Promise<unknown>): Promise<void> {
  const error = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CacheUnavailableError);
  expect((error as Error).message).toMatch(/^Redis is unavailable \(connection (?!ready\))\w+\)$/);
}

describeWithInfra('RedisCache when Redis goes away', ['redis'], (infra) => {
  jest.setTimeout(120_000);

  it('when Redis stops, then calls reject fast with a typed error and health says down; when it is back, the cache recovers by itself', async () => {
    const connection = createRedisConnection({ url: infra.redisUrl, logger: pino({ level: 'silent' }) });
    await connection.waitUntilReady();
    const cache = new RedisCache(connection);
    const key = tenantKey(uniqueName('tenant'), 'responses', 'GET /plans');
    await cache.set(key, 'before', { ttlSeconds: 300 });
    try {
      await controlInfra('stop', 'redis');

      await eventually(async () => (await cache.health()).status === 'down', { description: 'health to report the outage' });
      for (const call of [
        () => cache.get(key),
        () => cache.set(key, 'during', { ttlSeconds: 60 }),
        () => cache.setIfAbsent(key, 'x', { ttlSeconds: 1 }),
        () => cache.purge('t'),
      ]) {
        await expectRefusedUpFront(call());
      }
    } finally {
      await controlInfra('start', 'redis');
    }

    await eventually(async () => (await cache.health()).status === 'up', {
      timeoutMs: 30_000,
      description: 'the cache to reconnect by itself',
    });
    await cache.set(key, 'after', { ttlSeconds: 60 });
    expect((await cache.get(key))?.toString()).toBe('after');
    await connection.close();
  });

  it('when Redis is unreachable at start-up, then calls fail fast instead of waiting for it', async () => {
    const connection = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
    const cache = new RedisCache(connection);
    await expectRefusedUpFront(cache.get(tenantKey('tenant', 'ns', 'k')));
    expect(await cache.health()).toMatchObject({ status: 'down' });
    await expect(connection.waitUntilReady(200)).rejects.toBeInstanceOf(CacheUnavailableError);
    await connection.close();
  });
});
