import type { Cache, CacheKey } from '@tenantry/cache';
import type { BackendHealth } from './backend-health';
import type { StoredEntry } from './envelope';
import { lockKey } from './keys';

/** A replica's lock expires by itself after this, should the replica die mid-fetch. */
const LOCK_TTL_SECONDS = 5;
const POLL_INTERVAL_MS = 20;

/**
 * Single-flight across gateway replicas: the replica fetching a key holds `…:responses:lock:<key>`
 * (SET NX, 5 s); another replica's request for that key polls for the entry instead of calling
 * upstream, for at most `waitMs`. All waits are bounded; with `waitMs` 0 there are no locks at all.
 *
 * The lock is a hint, not a guarantee: it is released with a plain delete (the Cache port has no
 * compare-and-delete), so a fetch slower than the lock's TTL may let a second replica fetch too.
 */
export class PeerLocks {
  constructor(
    private readonly cache: Cache,
    private readonly health: BackendHealth,
    private readonly waitMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * For a cold miss: takes the lock, or waits for the peer holding it. Returns the peer's fresh entry,
   * or nothing (then the caller fetches): lock taken (`locked`), peer done without storing, deadline
   * passed, or the cache failing.
   */
  async takeOrAwaitPeer(
    tenantId: string,
    entryKey: CacheKey,
    lookup: () => Promise<StoredEntry | undefined>,
  ): Promise<{ entry?: StoredEntry; locked: boolean }> {
    if (this.waitMs <= 0) return { locked: false };
    const lock = lockKey(tenantId, entryKey);
    try {
      if (await this.cache.setIfAbsent(lock, '1', { ttlSeconds: LOCK_TTL_SECONDS })) return { locked: true };
      const deadline = Date.now() + this.waitMs;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
        const [entry, held] = await Promise.all([lookup(), this.cache.get(lock)]);
        if (entry && this.now() < entry.freshUntil) return { entry, locked: false };
        if (!held) break; // the peer finished without storing anything usable
      }
    } catch (error) {
      this.health.failed(error);
    }
    return { locked: false };
  }

  /** For a background revalidation: whether this replica should do it (false when another already is). */
  async take(tenantId: string, entryKey: CacheKey): Promise<boolean> {
    if (this.waitMs <= 0) return true;
    try {
      const taken = await this.cache.setIfAbsent(lockKey(tenantId, entryKey), '1', { ttlSeconds: LOCK_TTL_SECONDS });
      this.health.succeeded();
      return taken;
    } catch (error) {
      this.health.failed(error);
      return true;
    }
  }

  /** Off the response path: a lock that cannot be deleted expires by itself. */
  release(tenantId: string, entryKey: CacheKey): void {
    if (this.waitMs <= 0) return;
    this.cache.delete([lockKey(tenantId, entryKey)]).catch(() => undefined);
  }
}
