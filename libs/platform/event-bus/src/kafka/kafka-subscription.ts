import type { EventType } from '@tenantry/contracts';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { asError, backoffDelayMs, delay } from '../backoff';
import type { DeadLetterFailure } from '../dead-letter';
import { deliverBatch } from '../batch-delivery';
import { BatchedProcessedEvents } from '../batched-processed-events';
import { ABANDONED, abandonable, deliver, type DeliveryDeps } from '../delivery';
import {
  DEFAULT_BATCH_MAX_EVENTS,
  type BatchHandler,
  type StopOptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionState,
} from '../event-bus';
import { HEADER, type DeliveredRecord } from '../records';
import { retryWhileRetriable } from './retriable';

/** Attempts at subscribing while the broker's metadata does not show the topics yet (≈ 2.8 s in all). */
const SUBSCRIBE_ATTEMPTS = 8;

export interface KafkaConsumerTuning {
  /** The broker drops a member that has not heartbeated for this long (default 30 s). */
  sessionTimeoutMs?: number;
  /** How often members heartbeat, which is also how fast they notice a rebalance (default 3 s). */
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new messages; bounds how long stop() waits for an idle fetch (default 1 s). */
  maxWaitTimeMs?: number;
  /** Partitions processed in parallel (each one sequentially, which keeps per-tenant order; default 3). */
  partitionsConsumedConcurrently?: number;
  /** Handled offsets are committed at the end of every batch, and every this many messages within one (default 100). */
  commitEveryMessages?: number;
  /** subscribe() fails if the group was not joined within this time (default 60 s). */
  joinTimeoutMs?: number;
}

export interface KafkaSubscriptionDeps<T extends EventType> {
  kafka: Kafka;
  options: SubscribeOptions<T>;
  topics: readonly string[];
  typeOfTopic(topic: string): EventType | undefined;
  deadLetter(record: DeliveredRecord, failure: DeadLetterFailure): Promise<void>;
  logger: Logger;
  tuning: KafkaConsumerTuning;
  /** Called once the member left its group after stop(). */
  onStopped?: () => void;
}

const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** After the handler deadline, how long leaving the group may take before shutdown goes on without it. */
const LEAVE_TIMEOUT_MS = 10_000;
const RESTART_BACKOFF = { initialBackoffMs: 500, maxBackoffMs: 30_000 };

/**
 * One member of a consumer group on Kafka. Offsets are committed manually and only for messages
 * whose delivery outcome is final (handled, duplicate or dead-lettered), so a member that dies or is
 * stopped mid-handler leaves its message to the next owner of the partition.
 */
export class KafkaSubscription<T extends EventType> implements Subscription {
  state: SubscriptionState = 'starting';
  readonly groupId: string;
  readonly eventTypes: readonly T[];
  private consumer: Consumer | undefined;
  private readonly drain = new AbortController();
  private readonly abandon = new AbortController();
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: KafkaSubscriptionDeps<T>) {
    this.groupId = deps.options.groupId;
    this.eventTypes = deps.options.eventTypes;
  }

  /** Resolves once this member joined the group and got its partitions. */
  async start(): Promise<void> {
    await this.runConsumer();
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutDown(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    return this.stopping;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    this.state = 'stopping';
    this.drain.abort();
    const deadline = setTimeout(() => this.abandon.abort(), timeoutMs);
    try {
      // Waits for the running batch (which stops after its in-flight message), commits, leaves the group.
      // With the broker down, leaving can hang on requests: shutdown must not, so it is bounded.
      const left = await raceTimeout(this.consumer?.disconnect() ?? Promise.resolve(), timeoutMs + LEAVE_TIMEOUT_MS);
      if (!left)
        this.deps.logger.warn(
          { groupId: this.groupId },
          'Consumer of {groupId} did not leave its group in time; the broker will expire it',
        );
    } finally {
      clearTimeout(deadline);
      this.state = 'stopped';
      this.deps.onStopped?.();
    }
  }

  private async runConsumer(): Promise<void> {
    const { kafka, options, topics, tuning, logger } = this.deps;
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: tuning.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: tuning.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: tuning.maxWaitTimeMs ?? 1_000,
      allowAutoTopicCreation: false,
      // kafkajs restarts a crashed consumer by itself (e.g. during a broker outage); once stopping it
      // must not, or a restart racing disconnect() leaves a consumer running after stop() returned.
      retry: { restartOnFailure: () => Promise.resolve(!this.drain.signal.aborted) },
    });
    this.consumer = consumer;
    let joined: () => void = () => undefined;
    const firstJoin = new Promise<void>((resolve) => {
      joined = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (this.drain.signal.aborted) {
        // A (re)start that was in flight when stop() ran: leave again now that kafkajs can.
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.state = 'running';
      logger.debug(
        { groupId: options.groupId, memberId: event.payload.memberId, assignment: event.payload.memberAssignment },
        'Joined consumer group {groupId}',
      );
      joined();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      logger.warn({ groupId: options.groupId, restart, err: error }, 'Consumer of {groupId} crashed');
      if (!restart && !this.drain.signal.aborted) void this.restart(consumer);
      else if (restart) this.state = 'restarting';
    });

    await consumer.connect();
    // Topics created a moment ago (a fresh broker) may not be in every metadata answer yet.
    await retryWhileRetriable(() => consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true }), {
      attempts: SUBSCRIBE_ATTEMPTS,
      onRetry: (attempt, error) =>
        logger.debug({ groupId: options.groupId, attempt, err: error }, 'Topics of {groupId} not in the metadata yet; retrying'),
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    const joinTimeoutMs = tuning.joinTimeoutMs ?? 60_000;
    const inTime = await raceTimeout(firstJoin, joinTimeoutMs, this.drain.signal);
    if (!inTime && !this.drain.signal.aborted) {
      await consumer.disconnect().catch(() => undefined);
      throw new Error(`Consumer group ${options.groupId} not joined within ${joinTimeoutMs} ms`);
    }
  }

  /** kafkajs gave up on the consumer (a non-retriable error): start a new one, with backoff, until it works. */
  private async restart(crashed: Consumer): Promise<void> {
    this.state = 'restarting';
    await crashed.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.drain.signal.aborted; attempt += 1) {
      if (!(await delay(backoffDelayMs(attempt, RESTART_BACKOFF), this.drain.signal))) return;
      try {
        await this.runConsumer();
        return;
      } catch (error) {
        this.deps.logger.warn({ groupId: this.groupId, attempt, err: asError(error) }, 'Could not restart the consumer of {groupId}');
      }
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
    const { deps } = this;
    const commitEvery = deps.tuning.commitEveryMessages ?? 100;
    // A rebalance shows up as a heartbeat error. Remember it, finish and commit the in-flight message,
    // then rethrow it so kafkajs rejoins the group.
    let rebalance: Error | undefined;
    const keepAlive = async () => {
      if (rebalance) return;
      try {
        await heartbeat();
      } catch (error) {
        rebalance = asError(error);
      }
    };
    const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
    // One-by-one delivery with a processed-event store: one lookup for the batch, ids recorded per commit.
    const store = deps.options.batch ? undefined : deps.options.processedEvents;
    const processed = store ? new BatchedProcessedEvents(store, this.groupId) : undefined;
    await processed?.prefetch(records.map((record) => record.headers[HEADER.id]));
    let uncommitted = 0;
    const commit = async () => {
      if (uncommitted === 0) return;
      // Handled ids are recorded before their offsets are committed; a hard stop leaves both undone.
      if (processed && !(await this.recordProcessed(processed))) return;
      uncommitted = 0;
      await commitOffsetsIfNecessary(uncommittedOffsets());
    };
    const partition: PartitionDelivery<T> = {
      records,
      shouldStop: () => !isRunning() || isStale() || rebalance !== undefined || this.drain.signal.aborted,
      acknowledge: async (offset, count) => {
        resolveOffset(offset);
        uncommitted += count;
        if (uncommitted >= commitEvery) await commit();
        await keepAlive();
      },
      deliveryDeps: { ...this.deliveryDeps(keepAlive), ...(processed ? { processedEvents: processed } : {}) },
    };

    try {
      const batchMode = deps.options.batch;
      if (batchMode) await deliverInChunks(partition, batchMode.handler, batchMode.maxEvents ?? DEFAULT_BATCH_MAX_EVENTS);
      else await deliverOneByOne(partition);
    } finally {
      await commit().catch((error: unknown) => {
        // Not fatal: the messages were handled and will be redelivered (and skipped when idempotent).
        deps.logger.warn(
          { groupId: this.groupId, topic: batch.topic, partition: batch.partition, err: asError(error) },
          'Could not commit handled offsets',
        );
        rebalance ??= asError(error);
      });
    }
    if (rebalance) throw rebalance;
  }

  /** Records the batch's handled ids, retrying with backoff; false if a hard stop came first. */
  private async recordProcessed(processed: BatchedProcessedEvents): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.abandon.signal.aborted) return false;
      try {
        return (await abandonable(processed.flush(), this.abandon.signal)) !== ABANDONED;
      } catch (error) {
        const waitMs = backoffDelayMs(attempt, this.deps.options.retry);
        this.deps.logger.warn(
          { groupId: this.groupId, attempt, waitMs, ids: processed.unrecorded, err: asError(error) },
          'Could not record the processed events; retrying in {waitMs} ms',
        );
        if (!(await delay(waitMs, this.abandon.signal))) return false;
      }
    }
  }

  private deliveryDeps(keepAlive: () => Promise<void>): DeliveryDeps<T> {
    const { deps } = this;
    return {
      system: 'kafka',
      groupId: this.groupId,
      expectedTypeOf: (topic) => deps.typeOfTopic(topic),
      handler: deps.options.handler,
      retry: deps.options.retry,
      processedEvents: deps.options.processedEvents,
      logger: deps.logger,
      deadLetter: deps.deadLetter,
      drain: this.drain.signal,
      abandon: this.abandon.signal,
      keepAlive,
      keepAliveIntervalMs: deps.tuning.heartbeatIntervalMs ?? 3_000,
    };
  }
}

/** The messages kafkajs fetched for one topic-partition, and how to acknowledge them. */
interface PartitionDelivery<T extends EventType> {
  records: readonly DeliveredRecord[];
  /** True once the batch must end early (stopping, rebalancing, or kafkajs says so). */
  shouldStop(): boolean;
  /** Marks everything up to `offset` (the last `count` messages) as done, committing now and then. */
  acknowledge(offset: string, count: number): Promise<void>;
  deliveryDeps: DeliveryDeps<T>;
}

async function deliverOneByOne<T extends EventType>(partition: PartitionDelivery<T>): Promise<void> {
  for (const record of partition.records) {
    if (partition.shouldStop()) break;
    const outcome = await deliver(record, partition.deliveryDeps);
    if (outcome === 'abandoned') break;
    await partition.acknowledge(record.offset, 1);
  }
}

/** Batch mode: consecutive messages, at most `maxEvents` at a time, acknowledged once their chunk is done. */
async function deliverInChunks<T extends EventType>(
  partition: PartitionDelivery<T>,
  batchHandler: BatchHandler<T>,
  maxEvents: number,
): Promise<void> {
  for (let start = 0; start < partition.records.length; start += maxEvents) {
    if (partition.shouldStop()) break;
    const chunk = partition.records.slice(start, start + maxEvents);
    const done = await deliverBatch(chunk, { ...partition.deliveryDeps, batchHandler });
    const lastDone = chunk[done - 1];
    if (lastDone) await partition.acknowledge(lastDone.offset, done);
    if (done < chunk.length) break;
  }
}

/** True if `work` settled within `ms` (and before `signal` aborted); the timer never outlives the race. */
async function raceTimeout(work: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([work.then(() => true), delay(ms, timer.signal, ...(signal ? [signal] : [])).then(() => false)]);
  } finally {
    timer.abort();
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): DeliveredRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers: headersOf(message.headers),
  };
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}
