/**
 * A bound on concurrent upstream requests per caller (a tenant, or an anonymous client address), so one
 * caller cannot hold the whole upstream pool. `tryAcquire` answers at once: a caller over its bound is
 * refused rather than queued, since queueing would let it hold gateway memory instead.
 */
export class Bulkhead {
  private readonly inUse = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** A release function (idempotent) when `key` has room; undefined when it is at its bound. */
  tryAcquire(key: string): (() => void) | undefined {
    const current = this.inUse.get(key) ?? 0;
    if (current >= this.limit) return undefined;
    this.inUse.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(key) ?? 1) - 1;
      if (left <= 0) this.inUse.delete(key);
      else this.inUse.set(key, left);
    };
  }

  /** Requests in flight for `key`. */
  inFlight(key: string): number {
    return this.inUse.get(key) ?? 0;
  }
}
