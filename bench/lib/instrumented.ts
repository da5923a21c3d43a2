import type { CloudEvent, EventType } from '@tenantry/contracts';
import type {
  EventBus,
  EventBusHealth,
  OutboxRef,
  OutboxSource,
  PendingOutboxEvent,
  ProcessedEventStore,
  SubscribeOptions,
  Subscription,
} from '@tenantry/event-bus';
import { LatencyHistogram, now } from './measure';

/** Times each call of a port (a decorator: the library code under it is unchanged). */
async function timedCall<T>(histogram: LatencyHistogram, work: () => Promise<T>): Promise<T> {
  const started = now();
  try {
    return await work();
  } finally {
    histogram.recordMs(now() - started);
  }
}

export class TimedProcessedEventStore implements ProcessedEventStore {
  readonly isProcessedLatency = new LatencyHistogram();
  readonly markProcessedLatency = new LatencyHistogram();
  /** One call per fetched batch (when the store has the batch methods), with the ids it covered. */
  readonly processedAmongLatency = new LatencyHistogram();
  readonly markAllProcessedLatency = new LatencyHistogram();
  batchedIds = { checked: 0, recorded: 0 };
  readonly processedAmong?: ProcessedEventStore['processedAmong'];
  readonly markAllProcessed?: ProcessedEventStore['markAllProcessed'];

  constructor(private readonly inner: ProcessedEventStore) {
    const { processedAmong, markAllProcessed } = inner;
    if (processedAmong) {
      this.processedAmong = (group, eventIds) => {
        this.batchedIds.checked += eventIds.length;
        return timedCall(this.processedAmongLatency, () => processedAmong.call(inner, group, eventIds));
      };
    }
    if (markAllProcessed) {
      this.markAllProcessed = (group, eventIds) => {
        this.batchedIds.recorded += eventIds.length;
        return timedCall(this.markAllProcessedLatency, () => markAllProcessed.call(inner, group, eventIds));
      };
    }
  }

  isProcessed(consumerGroup: string, eventId: string): Promise<boolean> {
    return timedCall(this.isProcessedLatency, () => this.inner.isProcessed(consumerGroup, eventId));
  }

  markProcessed(consumerGroup: string, eventId: string): Promise<void> {
    return timedCall(this.markProcessedLatency, () => this.inner.markProcessed(consumerGroup, eventId));
  }

  deleteProcessedBefore(cutoff: Date): Promise<number> {
    return this.inner.deleteProcessedBefore(cutoff);
  }
}

/** The relay's view of the outbox, timed: where a relay round spends its time. */
export class TimedOutboxSource implements OutboxSource {
  readonly claim = new LatencyHistogram();
  readonly markPublishedLatency = new LatencyHistogram();
  claimedEvents = 0;
  /** (claim ms, events claimed) of every non-empty claim, in order: does claiming slow down as the collection grows? */
  readonly claims: Array<{ ms: number; events: number }> = [];

  constructor(private readonly inner: OutboxSource) {}

  async claimPending(limit: number, leaseMs: number): Promise<PendingOutboxEvent[]> {
    const started = now();
    const claimed = await this.inner.claimPending(limit, leaseMs);
    const ms = now() - started;
    if (claimed.length > 0) {
      this.claim.recordMs(ms);
      this.claims.push({ ms, events: claimed.length });
      this.claimedEvents += claimed.length;
    }
    return claimed;
  }

  markPublished(refs: readonly OutboxRef[]): Promise<void> {
    return timedCall(this.markPublishedLatency, () => this.inner.markPublished(refs));
  }

  markFailed(refs: readonly OutboxRef[], error: string): Promise<void> {
    return this.inner.markFailed(refs, error);
  }

  async release(): Promise<void> {
    await this.inner.release?.();
  }
}

/** An EventBus that hands everything to `inner`: decorators override only what they observe or change. */
export class ForwardingBus implements EventBus {
  constructor(protected readonly inner: EventBus) {}

  publish(events: readonly CloudEvent[]): Promise<void> {
    return this.inner.publish(events);
  }

  subscribe<T extends EventType>(options: SubscribeOptions<T>): Promise<Subscription> {
    return this.inner.subscribe(options);
  }

  ensureTopics(eventTypes: readonly EventType[]): Promise<void> {
    return this.inner.ensureTopics(eventTypes);
  }

  health(): Promise<EventBusHealth> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An EventBus whose publish calls are timed; everything else goes straight through. */
export class TimedPublishBus extends ForwardingBus {
  readonly publishLatency = new LatencyHistogram();

  override publish(events: readonly CloudEvent[]): Promise<void> {
    return timedCall(this.publishLatency, () => this.inner.publish(events));
  }
}
