import type { CloudEvent } from '@tenantry/contracts';
import type { OutboxRef, OutboxSource, PendingOutboxEvent } from '../ports';

interface Entry {
  ref: OutboxRef;
  event: CloudEvent;
  attempts: number;
  leasedUntil: number;
  lastError?: string;
}

/**
 * A test double of the outbox with the semantics persistence implements: leases, attempts, and
 * per-tenant commit order (a tenant's later event is not handed out while an earlier one is leased).
 */
export class InMemoryOutbox implements OutboxSource {
  private entries: Entry[] = [];
  readonly calls = { claim: 0, published: 0, failed: 0 };
  /** Set to make the next claims fail, as if the database were down. */
  claimError: Error | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  add(...events: CloudEvent[]): OutboxRef[] {
    return events.map((event) => {
      const ref = { collection: 'test', documentId: event.subject, eventId: event.id };
      this.entries.push({ ref, event, attempts: 0, leasedUntil: 0 });
      return ref;
    });
  }

  pending(): ReadonlyArray<Readonly<Entry>> {
    return this.entries;
  }

  claimPending(limit: number, leaseMs: number): Promise<PendingOutboxEvent[]> {
    this.calls.claim += 1;
    if (this.claimError) return Promise.reject(this.claimError);
    const now = this.now();
    const blockedTenants = new Set<string>();
    const claimed: PendingOutboxEvent[] = [];
    for (const entry of this.entries) {
      if (claimed.length >= limit) break;
      const tenant = entry.event.subject;
      if (blockedTenants.has(tenant)) continue;
      if (entry.leasedUntil > now) {
        blockedTenants.add(tenant);
        continue;
      }
      entry.leasedUntil = now + leaseMs;
      claimed.push({ ref: entry.ref, event: entry.event, attempts: entry.attempts });
    }
    return Promise.resolve(claimed);
  }

  markPublished(refs: readonly OutboxRef[]): Promise<void> {
    this.calls.published += 1;
    const done = new Set(refs.map((ref) => ref.eventId));
    this.entries = this.entries.filter((entry) => !done.has(entry.ref.eventId));
    return Promise.resolve();
  }

  markFailed(refs: readonly OutboxRef[], error: string): Promise<void> {
    this.calls.failed += 1;
    const failed = new Set(refs.map((ref) => ref.eventId));
    for (const entry of this.entries) {
      if (failed.has(entry.ref.eventId)) {
        entry.attempts += 1;
        entry.lastError = error;
        entry.leasedUntil = 0;
      }
    }
    return Promise.resolve();
  }
}
