import {
  type Cache,
  type CacheEntry,
  type CacheHealth,
  CacheUnavailableError,
  type CacheValue,
  type ScanPage,
  assertTtl,
  toBuffer,
} from '../cache';
import type { HealthModel } from '../health/health-model';
import { type CacheKey, tenantKeyPattern } from '../keys';
import { type RedisConnection, isUnavailable } from './connection';
import type { Redis } from 'ioredis';

const SCAN_BATCH = 500;

/**
 * The Cache on Redis. Calls made while the chosen connection is not ready reject at once with
 * CacheUnavailableError (no queueing); a lost or stalled connection mid-call is reported the same way,
 * and to the connection's health model. Values remembered as large travel on the pool's large-value lane.
 */
export class RedisCache implements Cache {
  constructor(readonly connection: RedisConnection) {}

  /** The health model of this Redis, shared with whatever else uses the connection (the rate limiter). */
  get availability(): HealthModel {
    return this.connection.availability;
  }

  async get(key: CacheKey): Promise<Buffer | null> {
    const value = await this.call(this.connection.clientFor([key]), (client) => client.getBuffer(key));
    this.connection.noteValueSize(key, value?.length ?? 0);
    return value;
  }

  async getMany(keys: readonly CacheKey[]): Promise<Array<Buffer | null>> {
    // One GET per key, auto-pipelined into one round trip; unlike MGET it also works across cluster slots.
    const values = await this.call(this.connection.clientFor(keys), (client) => Promise.all(keys.map((key) => client.getBuffer(key))));
    keys.forEach((key, index) => this.connection.noteValueSize(key, values[index]?.length ?? 0));
    return values;
  }

  async set(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<void> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const bytes = toBuffer(value);
    this.connection.noteValueSize(key, bytes.length);
    await this.call(this.connection.clientFor([key]), (client) => client.set(key, bytes, 'PX', ttlMs));
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const keys: CacheKey[] = [];
    const values: Buffer[] = [];
    for (const entry of entries) {
      const bytes = toBuffer(entry.value);
      this.connection.noteValueSize(entry.key, bytes.length);
      keys.push(entry.key);
      values.push(bytes);
    }
    const results = await this.call(this.connection.clientFor(keys), (client) => {
      const pipeline = client.pipeline();
      entries.forEach((entry, index) => pipeline.set(entry.key, values[index] as Buffer, 'PX', assertTtl(entry.ttlSeconds)));
      return pipeline.exec();
    });
    this.failOn(results);
  }

  async setIfAbsent(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<boolean> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const bytes = toBuffer(value);
    return (await this.call(this.connection.clientFor([key]), (client) => client.set(key, bytes, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async delete(keys: readonly CacheKey[]): Promise<number> {
    const removed = await this.call(this.connection.clientFor(), (client) => Promise.all(keys.map((key) => client.unlink(key))));
    for (const key of keys) this.connection.noteValueSize(key, 0);
    return removed.reduce((sum, count) => sum + count, 0);
  }

  async ttl(key: CacheKey): Promise<number | null> {
    const ms = await this.call(this.connection.clientFor(), (client) => client.pttl(key));
    return ms < 0 ? null : ms / 1000;
  }

  /** SCAN (never KEYS) over the tenant's hash-tagged prefix, UNLINKing each batch. */
  async purge(tenantId: string, namespace?: string): Promise<number> {
    const pattern = tenantKeyPattern(tenantId, namespace);
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.call(this.connection.clientFor(), (client) =>
        client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH),
      );
      cursor = next;
      if (keys.length > 0) removed += await this.call(this.connection.clientFor(), (client) => client.unlink(...keys));
    } while (cursor !== '0');
    return removed;
  }

  /** One SCAN step (MATCH the namespace's hash-tagged prefix, COUNT `count`), then STRLEN of what it found in one pipeline. */
  async scanPage(tenantId: string, namespace: string, cursor: string, count: number): Promise<ScanPage> {
    const pattern = tenantKeyPattern(tenantId, namespace);
    const [next, found] = await this.call(this.connection.clientFor(), (client) => client.scan(cursor, 'MATCH', pattern, 'COUNT', count));
    if (found.length === 0) return { cursor: next, keys: [] };
    const results =
      (await this.call(this.connection.clientFor(), (client) => {
        const pipeline = client.pipeline();
        for (const key of found) pipeline.strlen(key);
        return pipeline.exec();
      })) ?? [];
    const keys: ScanPage['keys'] = [];
    found.forEach((key, index) => {
      const [error, bytes] = results[index] ?? [null, 0];
      // Not a string (WRONGTYPE), or gone since SCAN saw it (0): not a value of this namespace to report.
      if (error === null && typeof bytes === 'number' && bytes > 0) keys.push({ key: key as CacheKey, bytes });
    });
    return { cursor: next, keys };
  }

  /** HINCRBY per field and PEXPIRE, in one MULTI: the fields and their expiry change together. */
  async incrementCounters(key: CacheKey, increments: Readonly<Record<string, number>>, options: { ttlSeconds: number }): Promise<void> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const fields = Object.entries(increments);
    if (fields.length === 0) return;
    const results = await this.call(this.connection.clientFor(), (client) => {
      const transaction = client.multi();
      for (const [field, by] of fields) transaction.hincrby(key, field, by);
      transaction.pexpire(key, ttlMs);
      return transaction.exec();
    });
    this.failOn(results);
  }

  async readCounters(key: CacheKey): Promise<Record<string, number>> {
    const fields = await this.call(this.connection.clientFor(), (client) => client.hgetall(key));
    return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, Number(value)]));
  }

  health(): Promise<CacheHealth> {
    return this.connection.health();
  }

  /** The first error of a pipeline's or a transaction's replies, thrown as a call's would be. */
  private failOn(results: Array<[Error | null, unknown]> | null): void {
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (!failed) return;
    this.connection.availability.failed(failed);
    throw isUnavailable(failed) ? new CacheUnavailableError('Redis is unavailable', {}, { cause: failed }) : failed;
  }

  private async call<T>(client: Redis, command: (client: Redis) => Promise<T>): Promise<T> {
    if (client.status !== 'ready') throw new CacheUnavailableError(`Redis is unavailable (connection ${client.status})`);
    try {
      return await command(client);
    } catch (error) {
      this.connection.availability.failed(error);
      if (isUnavailable(error)) throw new CacheUnavailableError('Redis is unavailable', {}, { cause: error });
      throw error;
    }
  }
}
