import type { OutboxEntry } from './records';

/** How many committed writes a process remembers per collection (oldest forgotten first). */
export const DEFAULT_COMMITTED_WRITES = 4096;

/**
 * What this process knows for certain about its own writes with events: the database acknowledged the
 * state write that carries a marker's entries. The relay of the same process (the usual deployment:
 * every service relays its own outbox) then needs no read of the document to learn that the write
 * committed and what it queued — the read a claim otherwise costs per document, the largest share of
 * the relay's database work.
 *
 * Writes under way are known too: their markers can be listed before their state write lands, and the
 * relay skips them (the writer notifies it once they commit) instead of reading a document that does
 * not hold them yet. Only inserts and updates are remembered, never the writes that leave a tombstone
 * (the relay must see the tombstone to delete it). A remembered write stays true for as long as its marker exists: a later
 * write of the document keeps every entry whose marker exists (outbox-markers.ts), and marker tokens are
 * never reused. Anything not remembered — another process's write, one forgotten to stay within the
 * bound, a write whose outcome was unknown — is read from the document as before.
 */
export class CommittedWrites {
  private readonly writes = new Map<string, readonly OutboxEntry[]>();
  /** Markers of this process's writes still under way: nothing of them to relay yet, nothing to read. */
  private readonly underWay = new Set<string>();

  constructor(private readonly capacity = DEFAULT_COMMITTED_WRITES) {}

  /** A write of this process is about to insert this marker (its state write follows). */
  started(markerId: string): void {
    bounded(this.underWay.add(markerId), this.capacity);
  }

  /** The write carrying the marker's entries committed. */
  remember(markerId: string, entries: readonly OutboxEntry[]): void {
    this.underWay.delete(markerId);
    if (entries.length > 0) bounded(this.writes.set(markerId, entries), this.capacity);
  }

  /** The entries of a marker's write, if this process committed it and still remembers it. */
  entriesOf(markerId: string): readonly OutboxEntry[] | undefined {
    return this.writes.get(markerId);
  }

  /** Whether the marker's write is one of this process's still under way (it has not returned yet). */
  isUnderWay(markerId: string): boolean {
    return this.underWay.has(markerId);
  }

  /** Nothing is known of these any more (removed, failed, or an outcome this process cannot tell). */
  forget(markerIds: readonly string[]): void {
    for (const id of markerIds) {
      this.writes.delete(id);
      this.underWay.delete(id);
    }
  }

  get size(): number {
    return this.writes.size + this.underWay.size;
  }
}

/** Forgets the oldest beyond the capacity (Maps and Sets iterate in insertion order). */
function bounded(items: Map<string, unknown> | Set<string>, capacity: number): void {
  if (items.size <= capacity) return;
  const oldest = items.keys().next();
  if (!oldest.done) items.delete(oldest.value);
}
