import { readFile } from 'node:fs/promises';
import type { CloudEvent } from '@tenantry/contracts';
import { HEADER } from '@tenantry/event-bus';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { LatencyHistogram, now } from '../lib/measure';

export interface RawSendResult {
  requests: number;
  elapsedMs: number;
  /** Latency of each sendBatch (one produce request). */
  perRequest: LatencyHistogram;
}

/**
 * The physical limit of the client: kafkajs `producer.sendBatch` with the producer settings
 * KafkaEventBus uses (idempotent, acks=all, one request in flight, murmur2 partitioner, no compression)
 * and the same bytes on the wire (structured CloudEvent JSON, tenant key, `ce_*` headers), but none of
 * the bus's work per event (contract validation, spans, coalescing of separate calls).
 */
export class RawKafkaBaseline {
  private constructor(private readonly producer: Producer) {}

  static async connect(brokers: readonly string[]): Promise<RawKafkaBaseline> {
    const kafka = new Kafka({ clientId: 'tenantry-bench-raw', brokers: [...brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new RawKafkaBaseline(producer);
  }

  /** Encodes (inside the measurement, as any producer must) and sends `events` in awaited batches of `batchSize`. */
  async sendInBatches(topic: string, events: readonly CloudEvent[], batchSize: number): Promise<RawSendResult> {
    const perRequest = new LatencyHistogram();
    const started = now();
    let requests = 0;
    for (let from = 0; from < events.length; from += batchSize) {
      const messages = events.slice(from, from + batchSize).map(toMessage);
      const sent = now();
      await this.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [{ topic, messages }] });
      perRequest.recordMs(now() - sent);
      requests += 1;
    }
    return { requests, elapsedMs: now() - started, perRequest };
  }

  /** What naive code does with the raw client: one awaited send per event, for up to `maxMs`. */
  async sendOneByOne(topic: string, events: readonly CloudEvent[], maxMs: number): Promise<RawSendResult> {
    const perRequest = new LatencyHistogram();
    const started = now();
    let requests = 0;
    for (const event of events) {
      if (now() - started >= maxMs) break;
      const sent = now();
      await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [{ topic, messages: [toMessage(event)] }],
      });
      perRequest.recordMs(now() - sent);
      requests += 1;
    }
    return { requests, elapsedMs: now() - started, perRequest };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export interface BacklogRead {
  count: number;
  /** From the subscribe call (join included) to the last message. */
  elapsedMs: number;
  complete: boolean;
}

/**
 * The consumer's physical limit: a plain kafkajs group (same tuning as the bench's subscriptions,
 * 3 partitions at once, manual commits per batch) that only JSON-parses each message, reading a
 * topic's backlog from the beginning until `expected` messages arrived or `timeoutMs` passed.
 */
export async function readBacklogRaw(
  brokers: readonly string[],
  topic: string,
  groupId: string,
  expected: number,
  timeoutMs: number,
  /** Like the bus: commit every this many messages within a batch, and heartbeat after every message. */
  busLikeCommits?: { commitEvery: number },
): Promise<BacklogRead> {
  const kafka = new Kafka({ clientId: 'tenantry-bench-raw-consumer', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId,
    heartbeatInterval: 500,
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });
  let count = 0;
  let lastAt = 0;
  const started = now();
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, heartbeat }) => {
        let uncommitted = 0;
        for (const message of batch.messages) {
          if (message.value) JSON.parse(message.value.toString('utf8'));
          resolveOffset(message.offset);
          count += 1;
          if (busLikeCommits) {
            uncommitted += 1;
            if (uncommitted >= busLikeCommits.commitEvery) {
              uncommitted = 0;
              await commitOffsetsIfNecessary(uncommittedOffsets());
            }
            await heartbeat();
          }
        }
        lastAt = now();
        await commitOffsetsIfNecessary(uncommittedOffsets());
        if (count >= expected) resolveDone();
      },
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([done, timer]);
    return { count, elapsedMs: lastAt - started, complete: count >= expected };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The installed kafkajs version (for the report). */
export async function kafkaClientVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(require.resolve('kafkajs/package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function toMessage(event: CloudEvent): Message {
  return {
    key: event.subject,
    value: Buffer.from(JSON.stringify(event)),
    headers: {
      [HEADER.contentType]: 'application/cloudevents+json; charset=utf-8',
      [HEADER.id]: event.id,
      [HEADER.type]: event.type,
      [HEADER.source]: event.source,
      [HEADER.subject]: event.subject,
      [HEADER.dataschema]: event.dataschema,
    },
  };
}
