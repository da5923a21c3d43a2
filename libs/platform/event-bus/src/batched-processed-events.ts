import type { ProcessedEventStore } from './ports';

/**
 * The processed-event store as one fetched batch of a partition sees it, so deduplication costs two
 * calls per batch instead of two per event:
 *
 * - `prefetch` asks the store once which of the batch's ids the group completed (`processedAmong`);
 *   `isProcessed` then answers from that (an id not prefetched still asks the store).
 * - `markProcessed` only queues the id (a second copy of it later in the batch is a duplicate at once);
 *   `flush` records the queued ids in one call (`markAllProcessed`). The consumer flushes right before
 *   it commits offsets, so an id is always recorded before its message is acknowledged, as before.
 *
 * What changes is the window the store documents (a crash after the handler, before the id is
 * recorded, redelivers the event): it now spans the messages handled since the last commit (at most
 * `commitEveryMessages`), and their offsets are not committed either, so they are redelivered together.
 * A store without the batch methods gets one `isProcessed` per event and one `markProcessed` per id at
 * the flush.
 */
export class BatchedProcessedEvents implements ProcessedEventStore {
  /** Ids the store answered for, and which of them it had recorded (or this batch recorded since). */
  private readonly checked = new Set<string>();
  private readonly done = new Set<string>();
  /** Handled in this batch, not recorded yet. */
  private pending: string[] = [];

  constructor(
    private readonly store: ProcessedEventStore,
    private readonly groupId: string,
  ) {}

  /** One lookup for the batch; on failure nothing is prefetched and each event asks the store itself. */
  async prefetch(eventIds: readonly (string | undefined)[]): Promise<void> {
    if (!this.store.processedAmong) return;
    const ids = [...new Set(eventIds.filter((id): id is string => id !== undefined && !this.checked.has(id)))];
    if (ids.length === 0) return;
    const found = await this.store.processedAmong(this.groupId, ids).catch(() => undefined);
    if (!found) return;
    for (const id of ids) this.checked.add(id);
    for (const id of found) this.done.add(id);
  }

  async isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    if (this.done.has(eventId)) return true;
    if (this.checked.has(eventId)) return false;
    return this.store.isProcessed(consumerGroup, eventId);
  }

  markProcessed(_consumerGroup: string, eventId: string): Promise<void> {
    if (!this.done.has(eventId)) {
      this.done.add(eventId);
      this.pending.push(eventId);
    }
    return Promise.resolve();
  }

  /** Records the queued ids in the store; they stay queued if it fails. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const ids = this.pending;
    this.pending = [];
    try {
      if (this.store.markAllProcessed) await this.store.markAllProcessed(this.groupId, ids);
      else for (const id of ids) await this.store.markProcessed(this.groupId, id);
    } catch (error) {
      this.pending = [...ids, ...this.pending];
      throw error;
    }
  }

  get unrecorded(): number {
    return this.pending.length;
  }

  deleteProcessedBefore(cutoff: Date): Promise<number> {
    return this.store.deleteProcessedBefore(cutoff);
  }
}
