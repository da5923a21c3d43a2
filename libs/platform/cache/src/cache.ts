import type { HealthModel } from './health/health-model';
import { ServiceUnavailableError } from '@tenantry/contracts';
import type { CacheKey } from './keys';

/** What the cache stores: bytes. Strings are stored as UTF-8; reads always return a Buffer. */
export type CacheValue = string | Buffer;

export interface CacheEntry {
  key: CacheKey;
  value: CacheValue;
  ttlSeconds: number;
}

/** A key a SCAN step found, with the size of its value in bytes. */
export interface ScannedKey {
  key: CacheKey;
  bytes: number;
}

/** One step of a SCAN: the keys it found and the cursor to continue from ('0': the scan is complete). */
export interface ScanPage {
  cursor: string;
  keys: ScannedKey[];
}

export interface CacheHealth {
  status: 'up' | 'down';
  latencyMs?: number;
  detail?: string;
}

/**
 * The cache is unreachable (down, not yet connected, or too slow). Callers that treat the cache as an
 * optimisation (the gateway) catch it and bypass; if it escapes, it is a 503.
 */
export class CacheUnavailableError extends ServiceUnavailableError {}

/**
 * A tenant-namespaced, binary-safe cache with mandatory expiry. Keys come only from `tenantKey`.
 * Operations reject with CacheUnavailableError quickly when the backing store is unreachable.
 */
export interface Cache {
  get(key: CacheKey): Promise<Buffer | null>;
  /** Values in the order of `keys`, null where missing. */
  getMany(keys: readonly CacheKey[]): Promise<Array<Buffer | null>>;
  set(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<void>;
  /** Sets all entries in one round trip (pipelined, not transactional). */
  setMany(entries: readonly CacheEntry[]): Promise<void>;
  /** Sets only if the key is absent, atomically (single-flight locks); true if this call set it. */
  setIfAbsent(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<boolean>;
  /** Removes the keys; resolves to how many existed. */
  delete(keys: readonly CacheKey[]): Promise<number>;
  /** Seconds left (fractional), or null if the key does not exist. */
  ttl(key: CacheKey): Promise<number | null>;
  /** Removes every key of the tenant, or of one namespace of it; resolves to how many were removed. */
  purge(tenantId: string, namespace?: string): Promise<number>;
  /**
   * One step of a SCAN over a namespace of the tenant (`cursor` '0' starts it): about `count` keys
   * examined (SCAN's COUNT), the string keys found with their value sizes (STRLEN, one pipeline). A key
   * may be reported twice across steps (SCAN's guarantee); keys gone since the step are left out.
   */
  scanPage(tenantId: string, namespace: string, cursor: string, count: number): Promise<ScanPage>;
  /** Adds each increment to its integer field of the hash at `key` and sets the hash's expiry, in one round trip. */
  incrementCounters(key: CacheKey, increments: Readonly<Record<string, number>>, options: { ttlSeconds: number }): Promise<void>;
  /** The integer fields of the hash at `key` (empty when it does not exist). */
  readCounters(key: CacheKey): Promise<Record<string, number>>;
  health(): Promise<CacheHealth>;
  /**
   * The health model of the store behind this cache, when it is shared with other users of the store
   * (Redis: the rate limiter on the same connection pool). Callers that bypass the cache decide from it.
   */
  readonly availability?: HealthModel;
}

export function assertTtl(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive number');
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

export function toBuffer(value: CacheValue): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  throw new TypeError('cache values must be strings or Buffers');
}
