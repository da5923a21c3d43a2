import type { ProcessedEventStore } from '../ports';

/**
 * Processed event ids per consumer group, in process memory (embedded mode, tests). Keeps the most
 * recent `maxIdsPerGroup` ids of each group: redeliveries come soon after the first delivery, so
 * forgetting very old ids costs nothing in practice and bounds memory.
 */
export class InMemoryProcessedEventStore implements ProcessedEventStore {
  private readonly groups = new Map<string, Set<string>>();

  constructor(private readonly maxIdsPerGroup = 100_000) {}

  isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    return Promise.resolve(this.groups.get(consumerGroup)?.has(eventId) ?? false);
  }

  markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    let ids = this.groups.get(consumerGroup);
    if (!ids) {
      ids = new Set();
      this.groups.set(consumerGroup, ids);
    }
    ids.delete(eventId);
    ids.add(eventId);
    if (ids.size > this.maxIdsPerGroup) {
      const oldest = ids.values().next().value;
      if (oldest !== undefined) ids.delete(oldest);
    }
    return Promise.resolve();
  }
}
