import { type Cache, type CacheEntry, type CacheHealth, type CacheValue, type ScanPage, assertTtl, toBuffer } from '../cache';
import { type CacheKey, isKeyOf } from '../keys';

interface Slot {
  value: Buffer;
  expiresAt: number;
}

export interface InMemoryCacheOptions {
  /** Beyond this many entries the oldest are dropped (like Redis under maxmemory). Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/** The in-memory twin of RedisCache: same semantics (TTL, purge by tenant, copies in and out). */
export class InMemoryCache implements Cache {
  private readonly slots = new Map<string, Slot>();
  /** Hashes of counters (`incrementCounters`), apart from the byte values. */
  private readonly counters = new Map<string, { fields: Map<string, number>; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: InMemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async get(key: CacheKey): Promise<Buffer | null> {
    const slot = this.live(key);
    return slot ? Buffer.from(slot.value) : null;
  }

  async getMany(keys: readonly CacheKey[]): Promise<Array<Buffer | null>> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<void> {
    this.store(key, value, options.ttlSeconds);
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const ttls = entries.map((entry) => assertTtl(entry.ttlSeconds)); // validate all before writing any
    entries.forEach((entry, index) => this.store(entry.key, entry.value, (ttls[index] ?? 0) / 1000));
  }

  async setIfAbsent(key: CacheKey, value: CacheValue, options: { ttlSeconds: number }): Promise<boolean> {
    if (this.live(key)) return false;
    this.store(key, value, options.ttlSeconds);
    return true;
  }

  async delete(keys: readonly CacheKey[]): Promise<number> {
    let removed = 0;
    for (const key of keys) {
      if (this.live(key) && this.slots.delete(key)) removed += 1;
      else if (this.liveCounters(key) && this.counters.delete(key)) removed += 1;
    }
    return removed;
  }

  async ttl(key: CacheKey): Promise<number | null> {
    const slot = this.live(key);
    return slot ? (slot.expiresAt - this.now()) / 1000 : null;
  }

  async purge(tenantId: string, namespace?: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.slots.keys()]) {
      if (isKeyOf(key as CacheKey, tenantId, namespace) && this.live(key)) {
        this.slots.delete(key);
        removed += 1;
      }
    }
    for (const key of [...this.counters.keys()]) {
      if (isKeyOf(key as CacheKey, tenantId, namespace) && this.liveCounters(key)) {
        this.counters.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  /** The cursor is an offset into the namespace's live keys, in insertion order (a key written during a scan may be missed, as with SCAN). */
  async scanPage(tenantId: string, namespace: string, cursor: string, count: number): Promise<ScanPage> {
    const offset = Number(cursor);
    const matching = [...this.slots.keys()].filter((key) => isKeyOf(key as CacheKey, tenantId, namespace));
    const step = matching.slice(offset, offset + Math.max(1, count));
    const keys = step.flatMap((key) => {
      const slot = this.live(key);
      return slot ? [{ key: key as CacheKey, bytes: slot.value.length }] : [];
    });
    const next = offset + step.length;
    return { cursor: next >= matching.length ? '0' : String(next), keys };
  }

  async incrementCounters(key: CacheKey, increments: Readonly<Record<string, number>>, options: { ttlSeconds: number }): Promise<void> {
    const ttlMs = assertTtl(options.ttlSeconds);
    const hash = this.liveCounters(key) ?? { fields: new Map<string, number>(), expiresAt: 0 };
    for (const [field, by] of Object.entries(increments)) hash.fields.set(field, (hash.fields.get(field) ?? 0) + by);
    hash.expiresAt = this.now() + ttlMs;
    this.counters.set(key, hash);
  }

  async readCounters(key: CacheKey): Promise<Record<string, number>> {
    return Object.fromEntries(this.liveCounters(key)?.fields ?? []);
  }

  async health(): Promise<CacheHealth> {
    return { status: 'up', latencyMs: 0 };
  }

  private store(key: string, value: CacheValue, ttlSeconds: number): void {
    const ttlMs = assertTtl(ttlSeconds);
    this.slots.delete(key); // re-insert at the end: Map order is then oldest-written first
    this.slots.set(key, { value: Buffer.from(toBuffer(value)), expiresAt: this.now() + ttlMs });
    while (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next().value;
      if (oldest === undefined) break;
      this.slots.delete(oldest);
    }
  }

  private liveCounters(key: string) {
    const hash = this.counters.get(key);
    if (hash && hash.expiresAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return hash;
  }

  /** The entry if present and not expired; expired entries are dropped on the way. */
  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.expiresAt <= this.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }
}
