import { isEventType, type CloudEvent, type EventType } from '@tenantry/contracts';
import type { Logger } from 'pino';
import { delay } from '../backoff';
import { readDeadLetter, toDeadLetterRecord, type DeadLetter } from '../dead-letter';
import { deliverBatch } from '../batch-delivery';
import { deliver, type DeliveryDeps } from '../delivery';
import {
  DEFAULT_BATCH_MAX_EVENTS,
  type EventBus,
  type EventBusHealth,
  type StopOptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionState,
} from '../event-bus';
import { deadLetterTopicOf, encodeEvent, type BusRecord, type DeliveredRecord } from '../records';
import { assertValidSubscribeOptions, validateForPublish } from '../subscribe-options';
import { endSpan, startProducerSpan } from '../tracing';
import { MemoryTopic, type MemoryPartition } from './memory-log';

export interface InMemoryEventBusOptions {
  logger: Logger;
  /** Partitions per topic (default 3), as on Kafka: members of a group share a topic by partition. */
  partitions?: number;
  /** Consumed records kept per partition, for groups that subscribe later (default 10 000). */
  retainedPerPartition?: number;
  /** Hard cap per partition: beyond it the oldest records are dropped even if unconsumed (default 1 000 000). */
  maxRecordsPerPartition?: number;
}

interface Member {
  readonly id: number;
  readonly options: SubscribeOptions<EventType>;
  readonly topics: ReadonlySet<string>;
  readonly drain: AbortController;
  readonly abandon: AbortController;
  state: SubscriptionState;
  inFlight: number;
  onIdle?: () => void;
}

interface Group {
  readonly id: string;
  readonly members: Member[];
  /** Next offset to deliver, per topic and partition. */
  readonly positions: Map<string, number[]>;
  /** Partitions (`topic#p`) with a delivery loop running: at most one each, which keeps order. */
  readonly activeLoops: Set<string>;
}

const DEFAULT_STOP_TIMEOUT_MS = 30_000;

/**
 * The event bus in one process, for the zero-setup embedded mode and tests, with Kafka's semantics:
 * topics split into partitions by tenant, consumer groups whose members share partitions, one delivery
 * at a time per group and partition (per-tenant order), commit only after handling, retries, a DLQ
 * per topic, idempotency and trace context. Delivery is always asynchronous to `publish`.
 */
export class InMemoryEventBus implements EventBus {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, Group>();
  private readonly partitionCount: number;
  private readonly retainedPerPartition: number;
  private readonly maxRecordsPerPartition: number;
  private readonly logger: Logger;
  private nextMemberId = 1;
  private closed = false;

  constructor(options: InMemoryEventBusOptions) {
    this.logger = options.logger;
    this.partitionCount = options.partitions ?? 3;
    this.retainedPerPartition = options.retainedPerPartition ?? 10_000;
    this.maxRecordsPerPartition = options.maxRecordsPerPartition ?? 1_000_000;
  }

  async publish(events: readonly CloudEvent[]): Promise<void> {
    this.assertOpen();
    const valid = validateForPublish(events);
    await Promise.resolve(); // acknowledged asynchronously, as a broker would
    for (const event of valid) {
      const { span, headers } = startProducerSpan(event, event.type, 'in_memory');
      this.append(encodeEvent(event, event.type, headers));
      endSpan(span);
    }
  }

  /** Appends a message as it is, without validation: to simulate a foreign or corrupt producer. */
  async publishRaw(record: BusRecord): Promise<void> {
    this.assertOpen();
    await Promise.resolve();
    this.append(record);
  }

  /** What was moved to `<eventType>.dlq`, oldest first. */
  deadLetters(eventType: EventType): DeadLetter[] {
    const topic = this.topics.get(deadLetterTopicOf(eventType));
    if (!topic) return [];
    return topic.partitions
      .flatMap((partition) => partition.all().map((record) => readDeadLetter(record)))
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  async subscribe<T extends EventType>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    assertValidSubscribeOptions(options);
    await this.ensureTopics(options.eventTypes);
    const group = this.groupOf(options.groupId);
    const member: Member = {
      id: this.nextMemberId++,
      // A member delivers only events of its own types (checked in deliver), so widening T is safe.
      options: options as unknown as SubscribeOptions<EventType>,
      topics: new Set(options.eventTypes),
      drain: new AbortController(),
      abandon: new AbortController(),
      state: 'running',
      inFlight: 0,
    };
    for (const topicName of member.topics) {
      if (!group.positions.has(topicName)) {
        const topic = this.topicOf(topicName);
        group.positions.set(
          topicName,
          topic.partitions.map((partition) => (options.fromBeginning === false ? partition.endOffset : partition.startOffset)),
        );
      }
    }
    group.members.push(member);
    this.kickGroup(group);
    return {
      groupId: options.groupId,
      eventTypes: options.eventTypes,
      stop: (stopOptions?: StopOptions) => this.stopMember(group, member, stopOptions),
    };
  }

  ensureTopics(eventTypes: readonly EventType[]): Promise<void> {
    for (const type of eventTypes) {
      this.topicOf(type);
      this.topicOf(deadLetterTopicOf(type));
    }
    return Promise.resolve();
  }

  health(): Promise<EventBusHealth> {
    const subscriptions = [...this.groups.values()].flatMap((group) =>
      group.members.map((member) => ({ groupId: group.id, eventTypes: member.options.eventTypes, state: member.state })),
    );
    return Promise.resolve({
      status: this.closed ? 'down' : 'up',
      adapter: 'in-memory',
      subscriptions,
      ...(this.closed ? { detail: 'closed' } : {}),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stops = [...this.groups.values()].flatMap((group) => group.members.map((member) => this.stopMember(group, member)));
    await Promise.all(stops);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event bus is closed');
  }

  private topicOf(name: string): MemoryTopic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new MemoryTopic(name, this.partitionCount);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private groupOf(id: string): Group {
    let group = this.groups.get(id);
    if (!group) {
      group = { id, members: [], positions: new Map(), activeLoops: new Set() };
      this.groups.set(id, group);
    }
    return group;
  }

  private append(record: BusRecord): void {
    const topic = this.topicOf(record.topic);
    const partitionIndex = topic.partitionOf(record.key);
    const partition = topic.partitions[partitionIndex];
    if (!partition) return;
    partition.append(record);
    if (partition.endOffset - partition.startOffset > this.maxRecordsPerPartition) {
      partition.trimBelow(partition.endOffset - this.maxRecordsPerPartition);
      this.logger.warn({ topic: record.topic, partition: partitionIndex }, 'In-memory partition full: dropped the oldest record');
    }
    for (const group of this.groups.values()) {
      if (group.positions.has(record.topic)) this.kick(group, record.topic, partitionIndex);
    }
  }

  /** The member that owns a partition now: members share a topic's partitions round-robin. */
  private ownerOf(group: Group, topic: string, partition: number): Member | undefined {
    const candidates = group.members.filter((member) => member.state === 'running' && member.topics.has(topic));
    return candidates[partition % Math.max(1, candidates.length)];
  }

  private kickGroup(group: Group): void {
    for (const [topic, positions] of group.positions) {
      positions.forEach((_, partition) => this.kick(group, topic, partition));
    }
  }

  private kick(group: Group, topic: string, partition: number): void {
    const loopKey = `${topic}#${partition}`;
    if (group.activeLoops.has(loopKey)) return;
    group.activeLoops.add(loopKey);
    setImmediate(() => {
      void this.deliveryLoop(group, topic, partition).finally(() => {
        group.activeLoops.delete(loopKey);
        if (this.hasWork(group, topic, partition)) this.kick(group, topic, partition);
      });
    });
  }

  private hasWork(group: Group, topic: string, partition: number): boolean {
    const position = group.positions.get(topic)?.[partition] ?? 0;
    const end = this.topics.get(topic)?.partitions[partition]?.endOffset ?? 0;
    return position < end && this.ownerOf(group, topic, partition) !== undefined;
  }

  /**
   * Delivers one partition's records to the group, one at a time (or in batches, in batch mode),
   * committing each after handling.
   */
  private async deliveryLoop(group: Group, topicName: string, partitionIndex: number): Promise<void> {
    const partition = this.topics.get(topicName)?.partitions[partitionIndex];
    const positions = group.positions.get(topicName);
    if (!partition || !positions) return;
    for (;;) {
      const owner = this.ownerOf(group, topicName, partitionIndex);
      const offset = Math.max(positions[partitionIndex] ?? 0, partition.startOffset);
      const records = this.recordsFrom(
        partition,
        topicName,
        partitionIndex,
        offset,
        owner?.options.batch ? (owner.options.batch.maxEvents ?? DEFAULT_BATCH_MAX_EVENTS) : 1,
      );
      if (!owner || records.length === 0) return;
      owner.inFlight += 1;
      let done;
      try {
        done = await this.deliverTo(owner, group.id, records);
      } catch (error) {
        this.logger.error(
          { groupId: group.id, topic: topicName, partition: partitionIndex, err: error },
          'Delivery failed unexpectedly; retrying in 1 s',
        );
        await delay(1_000, owner.abandon.signal);
        continue;
      } finally {
        owner.inFlight -= 1;
        if (owner.inFlight === 0) owner.onIdle?.();
      }
      // Fewer than all only when the owner is stopping: the next owner gets the rest again.
      positions[partitionIndex] = offset + done;
      if (done > 0) this.trim(topicName, partitionIndex);
    }
  }

  /** Up to `count` consecutive records of a partition from `offset`. */
  private recordsFrom(partition: MemoryPartition, topic: string, partitionIndex: number, offset: number, count: number): DeliveredRecord[] {
    const records: DeliveredRecord[] = [];
    for (let at = offset; at < offset + count; at += 1) {
      const stored = partition.at(at);
      if (!stored) break;
      records.push({ topic, partition: partitionIndex, offset: String(at), key: stored.key, value: stored.value, headers: stored.headers });
    }
    return records;
  }

  /** Delivers records to a member; returns how many of them, from the first, are done (acknowledged). */
  private async deliverTo(owner: Member, groupId: string, records: readonly DeliveredRecord[]): Promise<number> {
    const deps: DeliveryDeps<EventType> = {
      system: 'in_memory',
      groupId,
      expectedTypeOf: (topic) => (owner.topics.has(topic) && isEventType(topic) ? topic : undefined),
      handler: owner.options.handler,
      retry: owner.options.retry,
      processedEvents: owner.options.processedEvents,
      logger: this.logger,
      deadLetter: (failed, failure) => Promise.resolve(this.append(toDeadLetterRecord(failed, failure))),
      drain: owner.drain.signal,
      abandon: owner.abandon.signal,
    };
    const { batch } = owner.options;
    if (batch) return deliverBatch(records, { ...deps, batchHandler: batch.handler });
    const [record] = records;
    if (!record) return 0;
    return (await deliver(record, deps)) === 'abandoned' ? 0 : 1;
  }

  private trim(topicName: string, partitionIndex: number): void {
    const partition = this.topics.get(topicName)?.partitions[partitionIndex];
    if (!partition) return;
    let consumed = Infinity;
    for (const group of this.groups.values()) {
      const position = group.positions.get(topicName)?.[partitionIndex];
      if (position !== undefined) consumed = Math.min(consumed, position);
    }
    // Trim in chunks so the cost is amortised.
    if (consumed - partition.startOffset > 2 * this.retainedPerPartition) partition.trimBelow(consumed - this.retainedPerPartition);
  }

  private async stopMember(group: Group, member: Member, options: StopOptions = {}): Promise<void> {
    if (member.state === 'stopping' || member.state === 'stopped') return;
    member.state = 'stopping';
    member.drain.abort();
    this.kickGroup(group); // other members take over the partitions it is not busy with
    const idle = await this.waitIdle(member, options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    if (!idle) {
      member.abandon.abort();
      await this.waitIdle(member, Infinity);
    }
    member.state = 'stopped';
    group.members.splice(group.members.indexOf(member), 1);
    this.kickGroup(group);
  }

  private waitIdle(member: Member, timeoutMs: number): Promise<boolean> {
    if (member.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      member.onIdle = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
