import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationFailedError } from '@tenantry/contracts';
import type { OutboxEntry, StoredRecord } from './records';
import type { MarkerWriter } from './stores';

/**
 * Outbox markers: how the relay finds pending events without scanning collections, and where it
 * records what it published without writing the documents.
 *
 * Every write that queues events first inserts a marker `<document id>#<token>` (a fresh random token
 * per write) into the collection's small marker collection, then does the state write, whose entries
 * carry that token: the entries commit or fail with the state, as before. An entry is pending while
 * its marker exists and does not list it as published. The relay lists markers (oldest head first),
 * reads the documents they name by `_id` and publishes the entries whose marker says so; then it
 * records them as published on the marker, or removes the marker once all of its write's entries are.
 * Published entries stay in the document until its next write drops them (each write keeps only the
 * entries whose marker still exists), so the relay never writes a document (except to delete a
 * settled tombstone).
 *
 * Invariant: every pending entry has its marker, at all times.
 * - The marker exists before the entry does (it is written first).
 * - The relay removes a marker only after publishing all of its entries.
 * - A marker whose token is in no entry of its document is a write in flight, or one that failed or
 *   whose writer died. It is removed only when older than a grace period (default 10 minutes) that no
 *   write takes, or at once when its document is a tombstone (which no write can change any more), or
 *   by its writer when its write definitely failed. Tokens are never reused, so a removed marker never
 *   comes back to life.
 * - A write drops an entry only when its marker no longer exists (all published, or never committed).
 *
 * A stale marker is harmless: the relay finds nothing pending for it.
 */

/** Entries written before markers existed (see the one-time sweep in the MongoDB store). */
export const LEGACY_TOKEN = 'legacy';

/** Markers older than this whose token is in no entry are considered left over and removed. */
export const DEFAULT_STALE_MARKER_MS = 10 * 60_000;

export function newMarkerToken(): string {
  return randomBytes(8).toString('hex');
}

/** Collision-free: tokens are 16 hex digits or `legacy`, and neither contains `#`. */
export function markerId(documentId: string, token: string): string {
  return `${documentId}#${token}`;
}

export function tokenOf(entry: OutboxEntry): string {
  return entry.marker ?? LEGACY_TOKEN;
}

/** The oldest sequence per marker token among these entries. */
export function headsByToken(entries: readonly OutboxEntry[]): Map<string, number> {
  const heads = new Map<string, number>();
  for (const entry of entries) {
    const token = tokenOf(entry);
    heads.set(token, Math.min(heads.get(token) ?? Number.POSITIVE_INFINITY, entry.seq));
  }
  return heads;
}

/**
 * The entries of a document a write must keep: those whose marker still exists (they may be pending).
 * The others were all published (or never committed) and are dropped.
 */
export async function entriesToKeep(store: MarkerWriter, record: StoredRecord): Promise<OutboxEntry[]> {
  if (record._outbox.length === 0) return [];
  const existing = await store.existingMarkers([...headsByToken(record._outbox).keys()].map((token) => markerId(record._id, token)));
  return record._outbox.filter((entry) => existing.has(markerId(record._id, tokenOf(entry))));
}

/**
 * The entries one repository call queues, stamped with one token. The marker is written right before
 * the first write attempt (retries reuse it) and removed again if the write definitely did not happen.
 */
export class MarkedEntries {
  readonly entries: readonly OutboxEntry[];
  private readonly token = newMarkerToken();
  private written: string | undefined;

  constructor(
    private readonly store: MarkerWriter,
    entries: readonly OutboxEntry[],
    /** Test-only: called once the marker is stored (crash tests stop the process right there). */
    private readonly onMarkerWritten?: (documentId: string) => void,
  ) {
    this.entries = entries.map((entry) => ({ ...entry, marker: this.token }));
  }

  /** Call right before every write attempt that carries the entries; returns them. */
  async beforeWrite(documentId: string): Promise<readonly OutboxEntry[]> {
    if (this.entries.length === 0) return this.entries;
    if (this.written === undefined) {
      const id = markerId(documentId, this.token);
      this.store.committed?.started(id); // before the marker can be listed
      try {
        await this.store.addMarker({
          _id: id,
          doc: documentId,
          token: this.token,
          head: Math.min(...this.entries.map((entry) => entry.seq)),
          at: Date.now(),
        });
      } catch (error) {
        this.store.committed?.forget([id]);
        throw error;
      }
      this.written = id;
      this.onMarkerWritten?.(documentId);
    }
    return this.entries;
  }

  /**
   * The write that carries the entries committed (the database acknowledged it): this process's relay
   * may take them from here instead of reading the document. Not for writes that leave a tombstone.
   */
  committed(kind: 'document' | 'tombstone' = 'document'): void {
    if (this.written === undefined) return;
    if (kind === 'document') this.store.committed?.remember(this.written, this.entries);
    else this.store.committed?.forget([this.written]);
  }

  /**
   * The call failed. A refused write (conflict, not found, invalid) wrote nothing, so its marker goes
   * now; after any other error the write may have landed, and the marker stays (it ages out if not).
   */
  async afterFailure(error: unknown): Promise<void> {
    if (this.written === undefined) return;
    this.store.committed?.forget([this.written]); // its document is read from now on, if need be
    if (!(error instanceof ConflictError || error instanceof NotFoundError || error instanceof ValidationFailedError)) return;
    await this.store.removeMarkers([this.written]).catch(() => undefined);
  }
}
