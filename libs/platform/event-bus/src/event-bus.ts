import type { CloudEvent, EventType, TenantryEventOf } from '@tenantry/contracts';
import type { ProcessedEventStore } from './ports';

/**
 * The event bus port. Two adapters implement it (Kafka, in-memory) and pass one contract suite
 * (test-support/event-bus.contract.ts). Guarantees of both:
 * - at-least-once delivery per consumer group; with a ProcessedEventStore, effectively once;
 * - per-tenant order (the tenant id is the partition key);
 * - a message is acknowledged only after it was handled or moved to `<topic>.dlq`.
 */
export interface EventBus {
  /**
   * Publishes the events (topic = event type, key = tenant id). Resolves only when the broker
   * acknowledged every one of them; rejects if any could not be written (the caller, usually the
   * outbox relay, retries: consumers are idempotent). Events are validated against the contract first.
   */
  publish(events: readonly CloudEvent[]): Promise<void>;
  /** Joins a consumer group; resolves once the subscription is receiving. */
  subscribe<T extends EventType>(options: SubscribeOptions<T>): Promise<Subscription>;
  /** Creates the topics of these event types and their `.dlq` topics if missing. Idempotent. */
  ensureTopics(eventTypes: readonly EventType[]): Promise<void>;
  /** For readiness probes. */
  health(): Promise<EventBusHealth>;
  /** Stops every subscription (draining in-flight handlers) and releases connections. */
  close(): Promise<void>;
}

export interface RetryPolicy {
  /** Handler attempts per message, including the first; then the message goes to `<topic>.dlq`. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 10_000 };

export interface DeliveryContext {
  groupId: string;
  topic: string;
  partition: number;
  offset: string;
  /** 1 for the first attempt of this delivery. */
  attempt: number;
  /** Aborted when the subscription gives up on this delivery (shutdown deadline passed, partition lost). */
  signal: AbortSignal;
}

export type EventHandler<T extends EventType> = (event: TenantryEventOf<T>, context: DeliveryContext) => Promise<void>;

/** One event of a batch, with where it came from (partition and offset identify it for idempotency). */
export interface BatchDelivery<T extends EventType> {
  event: TenantryEventOf<T>;
  context: DeliveryContext;
}

export type BatchHandler<T extends EventType> = (deliveries: readonly BatchDelivery<T>[]) => Promise<void>;

/** Events per call of a batch handler when `batch.maxEvents` is not given. */
export const DEFAULT_BATCH_MAX_EVENTS = 500;
/** The largest `batch.maxEvents` accepted: a batch is held in memory and acknowledged as one. */
export const MAX_BATCH_MAX_EVENTS = 10_000;

export interface SubscribeOptions<T extends EventType> {
  /** Consumer group: each group receives every event once; the members of a group share them. */
  groupId: string;
  eventTypes: readonly T[];
  /** Runs inside a CONSUMER span whose parent is the producer's span. Throw to have the event retried. */
  handler: EventHandler<T>;
  retry: RetryPolicy;
  /** When given, an event id the group already processed is acknowledged without running the handler. */
  processedEvents?: ProcessedEventStore;
  /**
   * Where a group with no committed position starts: the oldest retained event (default) or only
   * events published after it joined.
   */
  fromBeginning?: boolean;
  /**
   * Optional batch mode: consecutive events of ONE partition (in order) are handed to `batch.handler` at
   * once, at most `batch.maxEvents` (default 500), and acknowledged together after it resolves. Poison
   * messages are dead-lettered and left out, as always. A batch whose handler still fails after the retry
   * policy's attempts is delivered event by event through `handler` (so one bad event is retried and
   * dead-lettered alone, and the others are handled). The batch handler must be idempotent by itself:
   * `processedEvents` may not be combined with `batch` (rejected by assertValidSubscribeOptions).
   */
  batch?: { handler: BatchHandler<T>; maxEvents?: number };
}

export interface StopOptions {
  /**
   * How long to wait for the in-flight handler. After that it is abandoned: its message is not
   * acknowledged and is redelivered to another member of the group. Default 30 s.
   */
  timeoutMs?: number;
}

export interface Subscription {
  readonly groupId: string;
  readonly eventTypes: readonly EventType[];
  /** Takes no new messages, lets the in-flight handler finish (see StopOptions), then leaves the group. */
  stop(options?: StopOptions): Promise<void>;
}

export type SubscriptionState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface EventBusHealth {
  status: 'up' | 'down';
  adapter: 'kafka' | 'in-memory';
  /** Why the bus is down; never contains credentials. */
  detail?: string;
  subscriptions: Array<{ groupId: string; eventTypes: readonly EventType[]; state: SubscriptionState }>;
}
