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
 * upstream, for at most `waitMs`. All waits are bounded; with `waitMs` 0 there are no locks at all
 * (only the second look at the entry).
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
   * For a cold miss: takes the lock, or waits for the peer holding it. Returns a fresh entry stored since
   * the caller's lookup (by a peer, or by a fetch of this process that ended in between), or nothing
   * (then the caller fetches): lock taken (`locked`), peer done without storing, deadline passed, or the
   * cache failing.
   *
   * The entry is looked up again with the lock, in the same round trip: a request whose lookup missed
   * just before another fetch stored the entry may reach here after that fetch ended and its lock was
   * released, and would otherwise fetch a second time.
   */
  async takeOrAwaitPeer(
    tenantId: string,
    entryKey: CacheKey,
    lookup: () => Promise<StoredEntry | undefined>,
  ): Promise<{ entry?: StoredEntry; locked: boolean }> {
    const fresh = (entry: StoredEntry | undefined): entry is StoredEntry => entry !== undefined && this.now() < entry.freshUntil;
    const lock = lockKey(tenantId, entryKey);
    try {
      if (this.waitMs <= 0) {
        const entry = await lookup();
        return fresh(entry) ? { entry, locked: false } : { locked: false };
      }
      const [taken, entry] = await Promise.all([this.cache.setIfAbsent(lock, '1', { ttlSeconds: LOCK_TTL_SECONDS }), lookup()]);
      if (fresh(entry)) {
        if (taken) this.release(tenantId, entryKey);
        return { entry, locked: false };
      }
      if (taken) return { locked: true };
      const deadline = Date.now() + this.waitMs;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
        const [entry, held] = await Promise.all([lookup(), this.cache.get(lock)]);
        if (fresh(entry)) return { entry, locked: false };
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
