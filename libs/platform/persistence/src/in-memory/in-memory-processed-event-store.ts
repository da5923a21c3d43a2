import type { ProcessedEventStore } from '@tenantry/event-bus';

export class InMemoryProcessedEventStore implements ProcessedEventStore {
  private readonly processed = new Map<string, Set<string>>();

  async isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    return this.processed.get(consumerGroup)?.has(eventId) ?? false;
  }

  async markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    const ids = this.processed.get(consumerGroup) ?? new Set<string>();
    ids.add(eventId);
    this.processed.set(consumerGroup, ids);
  }
}
