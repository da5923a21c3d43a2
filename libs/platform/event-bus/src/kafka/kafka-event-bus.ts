import { isEventType, type CloudEvent, type EventType } from '@tenantry/contracts';
import { CompressionTypes, Kafka, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { errorMessage } from '../backoff';
import { toDeadLetterRecord } from '../dead-letter';
import type { EventBus, EventBusHealth, SubscribeOptions, Subscription } from '../event-bus';
import { deadLetterTopicOf, encodeEvent, type BusRecord } from '../records';
import { assertValidSubscribeOptions, validateForPublish } from '../subscribe-options';
import { endSpan, startProducerSpan } from '../tracing';
import { BatchingProducer, type BatchingOptions, type BatchingStats } from './batching-producer';
import { replayDeadLetters, type ReplayDeadLettersOptions, type ReplayReport } from './dead-letter-replay';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-logging';
import { KafkaSubscription, type KafkaConsumerTuning } from './kafka-subscription';
import { retryWhileRetriable } from './retriable';

export interface KafkaEventBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /**
   * Prepended to every topic name (default none: the topic IS the event type). Lets several
   * environments or test runs share one cluster.
   */
  topicPrefix?: string;
  /** Prepended to every consumer group id (default none), for the same reason. */
  groupPrefix?: string;
  /** Partitions of topics created by ensureTopics (default 3). */
  partitions?: number;
  /** Replication factor of created topics (default: the broker's default.replication.factor). */
  replicationFactor?: number;
  /** Create missing topics on first publish/subscribe (default true); else call ensureTopics at boot. */
  autoCreateTopics?: boolean;
  producer?: BatchingOptions & {
    /**
     * Retries of one produce request before publish() rejects (default 5, about 5 s with the
     * backoff). Bounded, so that a caller (the outbox relay) learns the broker is down and backs off.
     */
    retries?: number;
  };
  consumer?: KafkaConsumerTuning;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface KafkaEventBusStats extends BatchingStats {
  subscriptions: number;
}

/**
 * EventBus on Apache Kafka (kafkajs). Topic = event type (plus an optional prefix), key = tenant id,
 * value = the structured CloudEvent JSON, `ce_*` and W3C trace-context headers. One idempotent
 * producer (acks=all, one request in flight) behind a batching queue; one consumer per subscription
 * with manual commits after handling.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly batcher: BatchingProducer;
  private readonly logger: Logger;
  private readonly prefix: string;
  private producerConnection: Promise<void> | undefined;
  private admin: Admin | undefined;
  private adminConnection: Promise<Admin> | undefined;
  private readonly topicsReady = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription<EventType>>();
  private closed = false;

  constructor(private readonly options: KafkaEventBusOptions) {
    this.logger = options.logger;
    this.prefix = options.topicPrefix ?? '';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: kafkaLogLevel(options.logger),
      logCreator: kafkaLogCreator(options.logger),
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // murmur2 of the key, as the Java client: a tenant maps to the same partition from any client.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: options.producer?.retries ?? 5 },
    });
    this.batcher = new BatchingProducer((records) => this.sendRequest(records), options.producer);
  }

  topicOf(eventType: EventType): string {
    return `${this.prefix}${eventType}`;
  }

  /** Counters for metrics: produce requests vs publish calls shows how well batching works. */
  stats(): KafkaEventBusStats {
    return { ...this.batcher.stats, subscriptions: this.subscriptions.size };
  }

  async publish(events: readonly CloudEvent[]): Promise<void> {
    this.assertOpen();
    const valid = validateForPublish(events);
    if (valid.length === 0) return;
    await this.autoEnsure(valid.map((event) => event.type));
    const traces = valid.map((event) => startProducerSpan(event, this.topicOf(event.type), 'kafka'));
    const records = valid.map((event, i) => encodeEvent(event, this.topicOf(event.type), traces[i]?.headers ?? {}));
    try {
      await this.batcher.send(records);
    } catch (error) {
      traces.forEach(({ span }) => endSpan(span, error));
      throw error;
    }
    traces.forEach(({ span }) => endSpan(span));
  }

  /** Writes records as they are (DLQ moves, tools, tests); resolves once acknowledged. */
  publishRecords(records: readonly BusRecord[]): Promise<void> {
    this.assertOpen();
    return this.batcher.send(records);
  }

  async subscribe<T extends EventType>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    assertValidSubscribeOptions(options);
    await this.autoEnsure(options.eventTypes);
    const subscription = new KafkaSubscription<T>({
      kafka: this.kafka,
      options: this.options.groupPrefix ? { ...options, groupId: `${this.options.groupPrefix}${options.groupId}` } : options,
      topics: options.eventTypes.map((type) => this.topicOf(type)),
      typeOfTopic: (topic) => {
        const type = topic.slice(this.prefix.length);
        return topic.startsWith(this.prefix) && isEventType(type) && options.eventTypes.some((wanted) => wanted === type)
          ? type
          : undefined;
      },
      deadLetter: (record, failure) => this.publishRecords([toDeadLetterRecord(record, failure)]),
      logger: this.logger,
      tuning: this.options.consumer ?? {},
      onStopped: () => this.subscriptions.delete(tracked),
    });
    // Subscriptions are tracked with their widest type; each only ever sees its own types.
    const tracked = subscription as unknown as KafkaSubscription<EventType>;
    this.subscriptions.add(tracked);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(tracked);
      throw error;
    }
    return subscription;
  }

  /**
   * Replays the dead letters of `eventType` that `options.groupId` failed, to that group only (see
   * dead-letter-replay.ts): once its handler or its data is fixed, the events it could not handle are
   * handled, and no other group sees them twice.
   */
  async replayDeadLetters(eventType: EventType, options: ReplayDeadLettersOptions): Promise<ReplayReport> {
    this.assertOpen();
    await this.ensureTopics([eventType]);
    const groupId = `${this.options.groupPrefix ?? ''}${options.groupId}`;
    return replayDeadLetters(
      {
        kafka: this.kafka,
        admin: await this.connectAdmin(),
        logger: this.logger,
        deadLetterTopic: deadLetterTopicOf(this.topicOf(eventType)),
        groupId,
        replayGroupId: `${this.options.groupPrefix ?? ''}dlq-replay.${options.groupId}`,
        publish: (records) => this.publishRecords(records),
      },
      options,
    );
  }

  async ensureTopics(eventTypes: readonly EventType[]): Promise<void> {
    // A batch usually holds several events of one type: Kafka refuses a request naming a topic twice.
    const topics = [...new Set(eventTypes)].flatMap((type) => [this.topicOf(type), deadLetterTopicOf(this.topicOf(type))]);
    const missing = topics.filter((topic) => !this.topicsReady.has(topic));
    if (missing.length > 0) {
      const creation = this.createTopics(missing);
      missing.forEach((topic) => this.topicsReady.set(topic, creation));
      creation.catch(() => missing.forEach((topic) => this.topicsReady.delete(topic)));
    }
    await Promise.all(topics.map((topic) => this.topicsReady.get(topic)));
  }

  async health(): Promise<EventBusHealth> {
    const subscriptions = [...this.subscriptions].map((subscription) => ({
      groupId: subscription.groupId,
      eventTypes: subscription.eventTypes,
      state: subscription.state,
    }));
    if (this.closed) return { status: 'down', adapter: 'kafka', detail: 'closed', subscriptions };
    try {
      await withTimeout(
        this.connectAdmin().then((admin) => admin.describeCluster()),
        3_000,
        'Reaching the cluster',
      );
      return { status: 'up', adapter: 'kafka', subscriptions };
    } catch (error) {
      return { status: 'down', adapter: 'kafka', detail: `Kafka unreachable: ${errorMessage(error)}`, subscriptions };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.batcher.close().catch(() => undefined);
    await Promise.all([this.producerConnection ? this.producer.disconnect() : undefined, this.admin?.disconnect()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event bus is closed');
  }

  private async autoEnsure(eventTypes: readonly EventType[]): Promise<void> {
    if (this.options.autoCreateTopics === false) return;
    await this.ensureTopics(eventTypes);
  }

  private async sendRequest(records: readonly BusRecord[]): Promise<void> {
    await this.connectProducer();
    const byTopic = new Map<string, BusRecord[]>();
    for (const record of records) {
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({
        topic,
        messages: messages.map((record) => ({ key: record.key, value: record.value, headers: record.headers })),
      })),
    });
  }

  private connectProducer(): Promise<void> {
    this.producerConnection ??= this.producer.connect().catch((error: unknown) => {
      this.producerConnection = undefined;
      throw error;
    });
    return this.producerConnection;
  }

  private connectAdmin(): Promise<Admin> {
    this.adminConnection ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().catch((error: unknown) => {
      this.adminConnection = undefined;
      throw error;
    });
    return this.adminConnection;
  }

  private async createTopics(wanted: readonly string[]): Promise<void> {
    const admin = await this.connectAdmin();
    // Asking to create topics that exist makes the broker answer TOPIC_ALREADY_EXISTS, which kafkajs logs
    // at error level on every process start: create only what the cluster does not have.
    const existing = new Set(await admin.listTopics());
    const topics = wanted.filter((topic) => !existing.has(topic));
    if (topics.length === 0) return;
    const request = {
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: this.options.partitions ?? 3,
        ...(this.options.replicationFactor ? { replicationFactor: this.options.replicationFactor } : {}),
      })),
    };
    // Right after a broker starts, kafkajs' wait for leaders can read metadata that does not know the new
    // topic yet and gives up with a retriable UNKNOWN_TOPIC_OR_PARTITION instead of waiting (seen in the
    // bench): creating again is idempotent and then finds the leaders.
    const created = await retryWhileRetriable(() => admin.createTopics(request), {
      attempts: TOPIC_CREATION_ATTEMPTS,
      onRetry: (attempt, error) => this.logger.debug({ topics, attempt, err: error }, 'Topic creation not confirmed yet; retrying'),
    });
    this.logger.debug({ topics, created }, 'Ensured topics {topics}');
  }
}

const TOPIC_CREATION_ATTEMPTS = 5;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
