import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tenantry/contracts';
import type { OutboxRef, OutboxSource, PendingOutboxEvent } from '@tenantry/event-bus';
import type { Logger } from 'pino';
import { DEFAULT_STALE_MARKER_MS, markerId, tokenOf } from './outbox-markers';
import type { OutboxDocument, OutboxEntry, OutboxMarker } from './records';
import type { OutboxStore } from './stores';

const MAX_ERROR_LENGTH = 2000;
/** Markers read per event a claim asks for (a document written often has one per pending write). */
const MARKERS_PER_EVENT = 4;

export interface LeasedOutboxSourceOptions {
  /**
   * A marker whose token is in no entry of its document is a write still in flight, or one that failed
   * or whose writer died; it is removed once older than this (default 10 minutes). No write may take
   * longer, counted from its marker (see outbox-markers.ts).
   */
  staleMarkerMs?: number;
}

/** A marker whose entries this source claimed, as read at claim time. */
interface ClaimedMarker {
  documentId: string;
  /** Every entry of the marker's write. */
  entries: OutboxEntry[];
  published: Set<string>;
  /** The whole document's outbox, for settling a tombstone. */
  document: OutboxDocument;
}

/** A collection whose relay lease this source holds. */
interface HeldCollection {
  leaseId: string;
  leaseUntil: number;
  /** Claimed events not marked yet: outstandingKey(document, event) → marker id. */
  outstanding: Map<string, string>;
  markers: Map<string, ClaimedMarker>;
}

interface Candidate {
  store: OutboxStore;
  id: string;
  head: number;
  /** Oldest head first. */
  markers: OutboxMarker[];
}

/**
 * The one OutboxSource implementation over per-collection OutboxStores (MongoDB or in-memory), driven
 * by outbox markers (see outbox-markers.ts); it never scans a collection and never writes a document.
 *
 * - claimPending takes the relay lease of each collection that has markers (one relay at a time works
 *   on a collection, so a second claimer gets nothing from it until the lease is released or expires),
 *   reads the documents the markers name by id (one batch per collection), and returns their pending
 *   entries, documents in order of their oldest pending event, all sorted by commit sequence.
 * - markPublished records the events on their markers and removes markers whose write is fully
 *   published (and a tombstone once nothing of it is pending); markFailed counts an attempt on the
 *   marker. A relay keeps a collection's lease from round to round while there is work there (renewing
 *   it once half of it has passed, not every round: on FerretDB each lease write is several commands),
 *   and releases it once its claimed events are marked and no marker is left, when a claim finds
 *   nothing to do there, after a failed publish, and on `release()` (the relay's stop), so another relay
 *   can go on at once.
 * - Documents whose every marker is a write this process saw commit are not read (committed-writes.ts).
 *
 * Each instance remembers its own leases and claims: give every relay its own source.
 */
export class LeasedOutboxSource implements OutboxSource {
  private readonly held = new Map<string, HeldCollection>();
  private readonly staleMarkerMs: number;

  constructor(
    private readonly stores: () => readonly OutboxStore[],
    private readonly logger?: Logger,
    options: LeasedOutboxSourceOptions = {},
  ) {
    this.staleMarkerMs = options.staleMarkerMs ?? DEFAULT_STALE_MARKER_MS;
  }

  async claimPending(limit: number, leaseMs: number): Promise<PendingOutboxEvent[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('claimPending: limit must be a positive integer');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('claimPending: leaseMs must be positive');
    const now = Date.now();
    this.forgetExpired(now);
    const stores = this.stores();
    const perStore = await Promise.all(stores.map((store) => this.candidates(store, limit, now, leaseMs)));
    const candidates = perStore.flat().sort((a, b) => a.head - b.head || (a.id < b.id ? -1 : 1));

    const claimed: Array<{ pending: PendingOutboxEvent; seq: number }> = [];
    const stale = new Map<OutboxStore, string[]>();
    const complete = new Map<OutboxStore, Array<[string, ClaimedMarker]>>();
    // Documents are read `limit` at a time: markers of writes not committed (yet) do not use up the batch.
    for (let start = 0; start < candidates.length && claimed.length < limit; start += limit) {
      const chunk = candidates.slice(start, start + limit);
      const documents = await this.readDocuments(chunk);
      for (const { store, id, markers } of chunk) {
        const held = this.held.get(store.collection);
        if (!held) continue;
        const document = documents.get(documentKey(store.collection, id));
        for (const marker of markers) {
          if (store.committed?.isUnderWay(marker._id)) continue; // this process's write has not returned yet
          const entries = (document?.outbox ?? []).filter((entry) => tokenOf(entry) === marker.token).sort(bySeq);
          if (!document || entries.length === 0) {
            // Not committed (yet): a write in flight, or one that failed or whose writer died. Even on a
            // tombstone it may be an insert of a new document with the same id, waiting for it to go.
            if (marker.at <= now - this.staleMarkerMs) stale.set(store, [...(stale.get(store) ?? []), marker._id]);
            continue;
          }
          const claimedMarker: ClaimedMarker = { documentId: id, entries, published: new Set(marker.published ?? []), document };
          if (entries.every((entry) => claimedMarker.published.has(entry.eventId))) {
            complete.set(store, [...(complete.get(store) ?? []), [marker._id, claimedMarker]]); // its removal failed earlier
            continue;
          }
          if (claimed.length >= limit) continue;
          held.markers.set(marker._id, claimedMarker);
          for (const entry of entries) {
            const key = outstandingKey(id, entry.eventId);
            if (claimed.length >= limit || claimedMarker.published.has(entry.eventId) || held.outstanding.has(key)) continue;
            held.outstanding.set(key, marker._id);
            claimed.push({
              seq: entry.seq,
              pending: {
                ref: { collection: store.collection, documentId: id, eventId: entry.eventId },
                event: JSON.parse(entry.payload) as CloudEvent,
                attempts: marker.attempts ?? 0,
              },
            });
          }
        }
      }
    }
    for (const [store, ids] of stale) {
      this.logger?.info({ collection: store.collection, markers: ids.length }, 'removing left-over outbox markers');
      await store.removeMarkers(ids);
      store.committed?.forget(ids);
    }
    for (const [store, markers] of complete) await this.removeCompleted(store, markers);
    // A relay that keeps finding work keeps the lease (renewing it at half time); one that finds none lets go.
    const claimedFrom = new Set(claimed.map(({ pending }) => pending.ref.collection));
    await Promise.all(stores.filter((store) => !claimedFrom.has(store.collection)).map((store) => this.releaseIfSettled(store)));
    return claimed.sort(bySeq).map(({ pending }) => pending);
  }

  async markPublished(refs: readonly OutboxRef[]): Promise<void> {
    await this.forEachCollection(refs, 'release-if-drained', async (store, byMarker) => {
      const complete: Array<[string, ClaimedMarker]> = [];
      for (const [id, { marker, eventIds }] of byMarker) {
        for (const eventId of eventIds) marker.published.add(eventId);
        const remaining = marker.entries.filter((entry) => !marker.published.has(entry.eventId));
        if (remaining.length === 0) complete.push([id, marker]);
        else await store.recordPublished(id, eventIds, Math.min(...remaining.map((entry) => entry.seq)));
      }
      await this.removeCompleted(store, complete);
    });
  }

  async markFailed(refs: readonly OutboxRef[], error: string): Promise<void> {
    const lastError = error.slice(0, MAX_ERROR_LENGTH);
    // A failed publish lets the lease go: another relay (whose broker connection may be fine) can try.
    await this.forEachCollection(refs, 'release-lease', async (store, byMarker) => {
      for (const id of byMarker.keys()) await store.recordFailure(id, lastError);
    });
  }

  async release(): Promise<void> {
    await Promise.all(this.stores().map((store) => this.releaseIfSettled(store)));
  }

  // ------------------------------------------------------------------------------------------------

  /** Documents of one collection to claim from, oldest pending event first; takes the lease if there are any. */
  private async candidates(store: OutboxStore, limit: number, now: number, leaseMs: number): Promise<Candidate[]> {
    const markersWanted = limit * MARKERS_PER_EVENT;
    const heldBefore = this.held.has(store.collection);
    // Without the lease, only whether there is anything matters: what is listed before the lease is
    // ours may be settled by another relay meanwhile, so the list is read once the lease is held.
    let markers: OutboxMarker[] | undefined;
    if (heldBefore || !store.hasMarkers) {
      markers = await store.listMarkers(markersWanted);
      if (markers.length === 0) return [];
    } else if (!(await store.hasMarkers())) return [];
    if (!(await this.lease(store, now, leaseMs))) return [];
    if (!heldBefore) markers = await store.listMarkers(markersWanted);
    if (!markers || markers.length === 0) return [];
    const byDocument = new Map<string, Candidate>();
    for (const marker of markers) {
      const candidate = byDocument.get(marker.doc);
      if (candidate) candidate.markers.push(marker);
      else byDocument.set(marker.doc, { store, id: marker.doc, head: marker.head, markers: [marker] });
    }
    return [...byDocument.values()];
  }

  private async lease(store: OutboxStore, now: number, leaseMs: number): Promise<boolean> {
    const held = this.held.get(store.collection);
    if (held && held.leaseUntil - now > leaseMs / 2) return true; // renewed at half time, not every round
    const leaseId = held?.leaseId ?? randomUUID();
    if (!(await store.acquireLease(now, now + leaseMs, leaseId))) {
      this.held.delete(store.collection); // ours expired and another relay took over
      return false;
    }
    if (held) held.leaseUntil = now + leaseMs;
    else this.held.set(store.collection, { leaseId, leaseUntil: now + leaseMs, outstanding: new Map(), markers: new Map() });
    return true;
  }

  /** A read, not a write: whether the collection still has outbox markers (writes to relay, or in flight). */
  private async anyMarkers(store: OutboxStore): Promise<boolean> {
    const any = store.hasMarkers ? store.hasMarkers() : store.listMarkers(1).then((markers) => markers.length > 0);
    return any.catch(() => true); // cannot tell: keep the lease, it expires by itself
  }

  private async releaseIfSettled(store: OutboxStore): Promise<void> {
    const held = this.held.get(store.collection);
    if (!held || held.outstanding.size > 0) return;
    this.held.delete(store.collection);
    await store.releaseLease(held.leaseId).catch((error: unknown) => {
      this.logger?.warn({ collection: store.collection, err: error }, 'could not release the outbox lease; it expires by itself');
    });
  }

  /**
   * The outboxes of the candidates' documents: one batch read per collection, of the documents with a
   * marker whose write this process did not see commit; the others are known (committed-writes.ts).
   */
  private async readDocuments(candidates: readonly Candidate[]): Promise<Map<string, OutboxDocument>> {
    const idsByStore = new Map<OutboxStore, string[]>();
    const documents = new Map<string, OutboxDocument>();
    for (const { store, id, markers } of candidates) {
      if (markers.every((marker) => store.committed?.isUnderWay(marker._id))) continue; // nothing there yet
      const known = committedOutbox(store, markers);
      if (known) documents.set(documentKey(store.collection, id), known);
      else idsByStore.set(store, [...(idsByStore.get(store) ?? []), id]);
    }
    await Promise.all(
      [...idsByStore].map(async ([store, ids]) => {
        for (const [id, document] of await store.readOutboxes(ids)) documents.set(documentKey(store.collection, id), document);
      }),
    );
    return documents;
  }

  /**
   * Groups refs by collection and marker (settling them as outstanding), then lets `settle` work on
   * each collection; afterwards (if asked) a collection with nothing outstanding gets its lease released.
   */
  private async forEachCollection(
    refs: readonly OutboxRef[],
    afterwards: 'release-if-drained' | 'release-lease',
    settle: (store: OutboxStore, byMarker: Map<string, { marker: ClaimedMarker; eventIds: string[] }>) => Promise<void>,
  ): Promise<void> {
    const stores = new Map(this.stores().map((store) => [store.collection, store]));
    const byCollection = new Map<string, OutboxRef[]>();
    for (const ref of refs) {
      if (!stores.has(ref.collection))
        throw new RangeError(`Outbox ref names collection "${ref.collection}", which this outbox source does not know`);
      byCollection.set(ref.collection, [...(byCollection.get(ref.collection) ?? []), ref]);
    }
    await Promise.all(
      [...byCollection].map(async ([collection, collectionRefs]) => {
        const store = stores.get(collection) as OutboxStore;
        const held = this.held.get(collection);
        const byMarker = new Map<string, { marker: ClaimedMarker; eventIds: string[] }>();
        const unknown: OutboxRef[] = [];
        for (const ref of collectionRefs) {
          const key = outstandingKey(ref.documentId, ref.eventId);
          const id = held?.outstanding.get(key);
          const marker = id === undefined ? undefined : held?.markers.get(id);
          held?.outstanding.delete(key);
          if (id === undefined || !marker) unknown.push(ref);
          else byMarker.set(id, { marker, eventIds: [...(byMarker.get(id)?.eventIds ?? []), ref.eventId] });
        }
        for (const [id, found] of await this.resolve(store, unknown)) {
          byMarker.set(id, {
            marker: byMarker.get(id)?.marker ?? found.marker,
            eventIds: [...(byMarker.get(id)?.eventIds ?? []), ...found.eventIds],
          });
        }
        try {
          await settle(store, byMarker);
        } finally {
          const settled = this.held.get(collection)?.outstanding.size === 0;
          if (settled && (afterwards === 'release-lease' || !(await this.anyMarkers(store)))) await this.releaseIfSettled(store);
        }
      }),
    );
  }

  /** Markers of refs this source did not claim (or no longer remembers), read from the database. */
  private async resolve(
    store: OutboxStore,
    refs: readonly OutboxRef[],
  ): Promise<Map<string, { marker: ClaimedMarker; eventIds: string[] }>> {
    const resolved = new Map<string, { marker: ClaimedMarker; eventIds: string[] }>();
    if (refs.length === 0) return resolved;
    const documents = await store.readOutboxes([...new Set(refs.map((ref) => ref.documentId))]);
    const markers = new Map<string, OutboxMarker>();
    for (const documentId of documents.keys()) for (const marker of await store.markersOf(documentId)) markers.set(marker._id, marker);
    for (const ref of refs) {
      const document = documents.get(ref.documentId);
      const entry = document?.outbox.find((candidate) => candidate.eventId === ref.eventId);
      if (!document || !entry) continue;
      const id = markerId(ref.documentId, tokenOf(entry));
      const stored = markers.get(id);
      if (!stored) continue; // already settled
      const known = resolved.get(id) ?? {
        marker: {
          documentId: ref.documentId,
          entries: document.outbox.filter((other) => tokenOf(other) === stored.token),
          published: new Set(stored.published ?? []),
          document,
        },
        eventIds: [],
      };
      known.eventIds.push(ref.eventId);
      resolved.set(id, known);
    }
    return resolved;
  }

  /**
   * Removes the markers whose write is fully published. A tombstone with nothing pending any more is
   * deleted first (a marker left behind by a crash in between is harmless; the other order could leave
   * a tombstone that nothing ever removes).
   */
  private async removeCompleted(store: OutboxStore, complete: ReadonlyArray<[string, ClaimedMarker]>): Promise<void> {
    const held = this.held.get(store.collection);
    const removable = new Set(complete.map(([id]) => id));
    const tombstones = new Map(
      complete.filter(([, marker]) => marker.document.deleted).map(([, marker]) => [marker.documentId, marker.document]),
    );
    for (const [documentId, document] of tombstones) {
      const tokens = new Set(document.outbox.map(tokenOf));
      const others = (await store.markersOf(documentId)).filter((other) => !removable.has(other._id));
      if (!others.some((other) => tokens.has(other.token))) await store.deleteTombstone(documentId); // else more of it is pending
    }
    if (removable.size > 0) {
      await store.removeMarkers([...removable]);
      store.committed?.forget([...removable]);
    }
    for (const id of removable) held?.markers.delete(id);
  }

  private forgetExpired(now: number): void {
    for (const [collection, held] of this.held) if (held.leaseUntil <= now) this.held.delete(collection);
  }
}

/** The outbox of a document as far as these markers go, if this process saw every one of their writes commit. */
function committedOutbox(store: OutboxStore, markers: readonly OutboxMarker[]): OutboxDocument | undefined {
  if (!store.committed) return undefined;
  const outbox: OutboxEntry[] = [];
  for (const marker of markers) {
    if (store.committed.isUnderWay(marker._id)) continue; // not committed yet: as if absent from the document
    const entries = store.committed.entriesOf(marker._id);
    if (!entries) return undefined;
    outbox.push(...entries);
  }
  return { outbox, deleted: false };
}

function documentKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

function outstandingKey(documentId: string, eventId: string): string {
  return `${documentId}\u0000${eventId}`;
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
