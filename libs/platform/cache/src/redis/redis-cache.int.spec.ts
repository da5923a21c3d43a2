import { describeWithInfra } from '@tenantry/testing';
import pino from 'pino';
import { cacheContract } from '../test-support/cache.contract';
import { createRedisConnection } from './connection';
import { RedisCache } from './redis-cache';

describeWithInfra('RedisCache', ['redis'], (infra) => {
  cacheContract('Redis', async () => {
    const connection = createRedisConnection({ url: infra.redisUrl, logger: pino({ level: 'silent' }) });
    await connection.waitUntilReady();
    return { cache: new RedisCache(connection), close: () => connection.close() };
  });
});
