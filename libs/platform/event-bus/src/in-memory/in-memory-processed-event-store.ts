import type { ProcessedEventStore } from '../ports';

/**
 * Processed event ids per consumer group, in process memory (embedded mode, tests), with the time each
 * was recorded. Keeps the most recent `maxIdsPerGroup` ids of each group: redeliveries come soon after
 * the first delivery, so forgetting very old ids costs nothing in practice and bounds memory.
 */
export class InMemoryProcessedEventStore implements ProcessedEventStore {
  /** Per group, event id → when it was recorded; Map order is recording order. */
  private readonly groups = new Map<string, Map<string, number>>();

  constructor(
    private readonly maxIdsPerGroup = 100_000,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    return Promise.resolve(this.groups.get(consumerGroup)?.has(eventId) ?? false);
  }

  markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    let ids = this.groups.get(consumerGroup);
    if (!ids) {
      ids = new Map();
      this.groups.set(consumerGroup, ids);
    }
    if (!ids.has(eventId)) ids.set(eventId, this.clock().getTime());
    if (ids.size > this.maxIdsPerGroup) {
      const oldest = ids.keys().next().value;
      if (oldest !== undefined) ids.delete(oldest);
    }
    return Promise.resolve();
  }

  processedAmong(consumerGroup: string, eventIds: readonly string[]): Promise<Set<string>> {
    const ids = this.groups.get(consumerGroup);
    return Promise.resolve(new Set(ids ? eventIds.filter((eventId) => ids.has(eventId)) : []));
  }

  async markAllProcessed(consumerGroup: string, eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) await this.markProcessed(consumerGroup, eventId);
  }

  deleteProcessedBefore(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const ids of this.groups.values()) {
      for (const [eventId, recordedAt] of ids) {
        if (recordedAt >= cutoff.getTime()) continue;
        ids.delete(eventId);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }
}
