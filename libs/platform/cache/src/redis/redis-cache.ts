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
import { type CacheKey, tenantKeyPattern } from '../keys';
import { type RedisConnection, isUnavailable } from './connection';

const SCAN_BATCH = 500;

/**
 * The Cache on Redis. Calls made while the connection is not ready reject at once with
 * CacheUnavailableError (no queueing); a lost connection mid-call is reported the same way.
 */
export class RedisCache implements Cache {
  constructor(private readonly connection: RedisConnection) {}

  private get client() {
    return this.connection.client;
  }

  get(key: CacheKey): Promise<Buffer | null> {
    return this.call(() => this.client.getBuffer(key));
  }

  getMany(keys: readonly CacheKey[]): Promise<Array<Buffer | null>> {
    // One GET per key, auto-pipelined into one round trip; unlike MGET it also works across cluster slots.
    return this.call(() => Promise.all(keys.map((key) => this.client.getBuffer(key))));
  }

  async set(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<void> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const bytes = toBuffer(value);
    await this.call(() => this.client.set(key, bytes, 'PX', ttlMs));
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const entry of entries) pipeline.set(entry.key, toBuffer(entry.value), 'PX', assertTtl(entry.ttlSeconds));
    const results = await this.call(() => pipeline.exec());
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw isUnavailable(failed) ? new CacheUnavailableError('Redis is unavailable', {}, { cause: failed }) : failed;
  }

  async setIfAbsent(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<boolean> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const bytes = toBuffer(value);
    return (await this.call(() => this.client.set(key, bytes, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async delete(keys: readonly CacheKey[]): Promise<number> {
    const removed = await this.call(() => Promise.all(keys.map((key) => this.client.unlink(key))));
    return removed.reduce((sum, count) => sum + count, 0);
  }

  async ttl(key: CacheKey): Promise<number | null> {
    const ms = await this.call(() => this.client.pttl(key));
    return ms < 0 ? null : ms / 1000;
  }

  /** SCAN (never KEYS) over the tenant's hash-tagged prefix, UNLINKing each batch. */
  async purge(tenantId: string, namespace?: string): Promise<number> {
    const pattern = tenantKeyPattern(tenantId, namespace);
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.call(() => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH));
      cursor = next;
      if (keys.length > 0) removed += await this.call(() => this.client.unlink(...keys));
    } while (cursor !== '0');
    return removed;
  }

  /** One SCAN step (MATCH the namespace's hash-tagged prefix, COUNT `count`), then STRLEN of what it found in one pipeline. */
  async scanPage(tenantId: string, namespace: string, cursor: string, count: number): Promise<ScanPage> {
    const pattern = tenantKeyPattern(tenantId, namespace);
    const [next, found] = await this.call(() => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', count));
    if (found.length === 0) return { cursor: next, keys: [] };
    const pipeline = this.client.pipeline();
    for (const key of found) pipeline.strlen(key);
    const results = (await this.call(() => pipeline.exec())) ?? [];
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
    const transaction = this.client.multi();
    for (const [field, by] of fields) transaction.hincrby(key, field, by);
    transaction.pexpire(key, ttlMs);
    const results = await this.call(() => transaction.exec());
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw isUnavailable(failed) ? new CacheUnavailableError('Redis is unavailable', {}, { cause: failed }) : failed;
  }

  async readCounters(key: CacheKey): Promise<Record<string, number>> {
    const fields = await this.call(() => this.client.hgetall(key));
    return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, Number(value)]));
  }

  health(): Promise<CacheHealth> {
    return this.connection.health();
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') throw new CacheUnavailableError(`Redis is unavailable (connection ${this.client.status})`);
    try {
      return await command();
    } catch (error) {
      if (isUnavailable(error)) throw new CacheUnavailableError('Redis is unavailable', {}, { cause: error });
      throw error;
    }
  }
}
