import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tenantry/contracts';
import type { OutboxRef, OutboxSource, PendingOutboxEvent } from '@tenantry/event-bus';
import type { Logger } from 'pino';
import type { OutboxEntry } from './records';
import type { OutboxStore } from './stores';

/** Compare-and-set retries for one document's bookkeeping before leaving it to a later claim. */
const MAX_SETTLE_ATTEMPTS = 10;
const MAX_ERROR_LENGTH = 2000;

interface HeldLease {
  leaseId: string;
  leaseUntil: number;
  /** Events this claim returned from the document that were not marked yet. */
  outstanding: Set<string>;
}

/**
 * The one OutboxSource implementation over per-collection OutboxStores (MongoDB or in-memory).
 *
 * - claimPending takes a lease on whole documents (one atomic conditional update each), so a second
 *   claimer skips them until the lease expires; it returns their events sorted by commit sequence.
 * - markPublished / markFailed rewrite the document's outbox with a compare-and-set on `_outboxRev`
 *   (FerretDB has neither arrayFilters nor a working `$pull` by condition nor positional `$` updates),
 *   removing or annotating exactly the named entries and nothing written since. The lease is released
 *   once every event this claim returned from that document is marked, so newer events are not held back.
 * - A tombstone (deleted document that owed events) is removed once its outbox is empty.
 *
 * Each instance remembers its own leases: give every relay its own source.
 */
export class LeasedOutboxSource implements OutboxSource {
  private readonly held = new Map<string, HeldLease>();

  constructor(
    private readonly stores: () => readonly OutboxStore[],
    private readonly logger?: Logger,
  ) {}

  async claimPending(limit: number, leaseMs: number): Promise<PendingOutboxEvent[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('claimPending: limit must be a positive integer');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('claimPending: leaseMs must be positive');
    const now = Date.now();
    this.forgetExpired(now);
    const stores = this.stores();
    const candidates = (
      await Promise.all(stores.map(async (store) => (await store.findClaimable(now, limit)).map((candidate) => ({ store, ...candidate }))))
    )
      .flat()
      .sort((a, b) => a.head - b.head || (a.id < b.id ? -1 : 1));

    const claimed: Array<{ pending: PendingOutboxEvent; seq: number }> = [];
    for (const { store, id } of candidates) {
      if (claimed.length >= limit) break;
      const leaseId = randomUUID();
      const state = await store.claim(id, now, now + leaseMs, leaseId);
      if (!state) continue;
      const entries = [...state.outbox].sort(bySeq).slice(0, limit - claimed.length);
      if (entries.length === 0) {
        // The head was stale (its events were settled meanwhile): tidy up instead of holding an empty lease.
        await this.settle(store, id, new Set(), (outbox) => outbox, { leaseId, leaseUntil: now + leaseMs, outstanding: new Set() });
        continue;
      }
      this.held.set(leaseKey(store.collection, id), { leaseId, leaseUntil: now + leaseMs, outstanding: new Set(entries.map((entry) => entry.eventId)) });
      for (const entry of entries) {
        claimed.push({
          seq: entry.seq,
          pending: {
            ref: { collection: store.collection, documentId: id, eventId: entry.eventId },
            event: JSON.parse(entry.payload) as CloudEvent,
            attempts: entry.attempts,
          },
        });
      }
    }
    return claimed.sort(bySeq).map(({ pending }) => pending);
  }

  async markPublished(refs: readonly OutboxRef[]): Promise<void> {
    await this.forEachDocument(refs, (store, id, eventIds) => this.settle(store, id, eventIds, (outbox) => outbox.filter((entry) => !eventIds.has(entry.eventId))));
  }

  async markFailed(refs: readonly OutboxRef[], error: string): Promise<void> {
    const lastError = error.slice(0, MAX_ERROR_LENGTH);
    await this.forEachDocument(refs, (store, id, eventIds) =>
      this.settle(store, id, eventIds, (outbox) => outbox.map((entry) => (eventIds.has(entry.eventId) ? { ...entry, attempts: entry.attempts + 1, lastError } : entry))),
    );
  }

  private async forEachDocument(refs: readonly OutboxRef[], settle: (store: OutboxStore, id: string, eventIds: Set<string>) => Promise<void>): Promise<void> {
    const stores = new Map(this.stores().map((store) => [store.collection, store]));
    const byDocument = new Map<string, { store: OutboxStore; id: string; eventIds: Set<string> }>();
    for (const ref of refs) {
      const store = stores.get(ref.collection);
      if (!store) throw new RangeError(`Outbox ref names collection "${ref.collection}", which this outbox source does not know`);
      const key = leaseKey(ref.collection, ref.documentId);
      const group = byDocument.get(key) ?? { store, id: ref.documentId, eventIds: new Set<string>() };
      group.eventIds.add(ref.eventId);
      byDocument.set(key, group);
    }
    await Promise.all([...byDocument.values()].map(({ store, id, eventIds }) => settle(store, id, eventIds)));
  }

  private async settle(
    store: OutboxStore,
    id: string,
    eventIds: ReadonlySet<string>,
    rewrite: (outbox: readonly OutboxEntry[]) => readonly OutboxEntry[],
    lease: HeldLease | undefined = this.held.get(leaseKey(store.collection, id)),
  ): Promise<void> {
    if (lease) for (const eventId of eventIds) lease.outstanding.delete(eventId);
    const releaseIfOurs = lease !== undefined && lease.outstanding.size === 0;
    for (let attempt = 0; attempt < MAX_SETTLE_ATTEMPTS; attempt += 1) {
      const state = await store.read(id);
      if (!state) break;
      const outbox = rewrite(state.outbox);
      const release = releaseIfOurs && state.leaseId === lease?.leaseId;
      const done =
        outbox.length === 0 && state.deleted
          ? await store.deleteTombstone(id, state.rev)
          : (!release && sameEntries(outbox, state.outbox)) || (await store.replaceOutbox(id, state.rev, outbox, release));
      if (done) {
        if (releaseIfOurs) this.held.delete(leaseKey(store.collection, id));
        return;
      }
    }
    // Left as it is: the events stay pending (at-least-once) and the lease expires on its own.
    this.logger?.warn({ collection: store.collection, documentId: id }, 'outbox bookkeeping kept losing races; leaving it to a later claim');
  }

  private forgetExpired(now: number): void {
    for (const [key, lease] of this.held) if (lease.leaseUntil <= now) this.held.delete(key);
  }
}

function leaseKey(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}

function sameEntries(a: readonly OutboxEntry[], b: readonly OutboxEntry[]): boolean {
  return a.length === b.length && a.every((entry, index) => entry === b[index]);
}
