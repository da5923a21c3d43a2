import type { EventType } from '@tenantry/contracts';
import { uniqueName } from '@tenantry/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { readDeadLetter, type DeadLetter } from '../dead-letter';
import { KafkaEventBus, type KafkaEventBusOptions } from '../kafka/kafka-event-bus';
import { deadLetterTopicOf } from '../records';
import type { EventBusContractHarness } from './contract-lifecycle';

export const testLogger: Logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

/** Consumer settings that make joins and rebalances quick in tests (a production member uses the defaults). */
export const FAST_CONSUMER: KafkaEventBusOptions['consumer'] = { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, maxWaitTimeMs: 200 };

/** A Kafka bus on topics of its own (a unique prefix), so tests sharing the broker never see each other's events. */
export function makeKafkaBus(brokers: string[], overrides: Partial<KafkaEventBusOptions> = {}): KafkaEventBus {
  return new KafkaEventBus({
    brokers,
    clientId: 'event-bus-tests',
    logger: testLogger,
    topicPrefix: `${uniqueName('eb')}.`,
    consumer: FAST_CONSUMER,
    ...overrides,
  });
}

export function kafkaContractHarness(brokers: string[]): Promise<EventBusContractHarness> {
  const bus = makeKafkaBus(brokers);
  const kafka = new Kafka({ clientId: 'event-bus-tests-dlq', brokers, logLevel: logLevel.NOTHING });
  const watchers = new Map<EventType, { consumer: Consumer; letters: DeadLetter[]; ready: Promise<void> }>();
  let closed = false;

  /** Reads a `.dlq` topic from the start into memory; the first call joins, later ones just look. */
  function watch(eventType: EventType) {
    let watcher = watchers.get(eventType);
    if (!watcher) {
      const consumer = kafka.consumer({
        groupId: uniqueName('dlq-reader'),
        heartbeatInterval: 500,
        maxWaitTimeInMs: 200,
        retry: { restartOnFailure: () => Promise.resolve(!closed) },
      });
      const letters: DeadLetter[] = [];
      const ready = (async () => {
        await bus.ensureTopics([eventType]);
        await consumer.connect();
        await consumer.subscribe({ topic: deadLetterTopicOf(bus.topicOf(eventType)), fromBeginning: true });
        const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
        await consumer.run({
          eachMessage: ({ message }) => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
            letters.push(readDeadLetter({ key: message.key?.toString() ?? null, value: message.value, headers }));
            return Promise.resolve();
          },
        });
        await joined;
      })();
      watcher = { consumer, letters, ready };
      watchers.set(eventType, watcher);
    }
    return watcher;
  }

  return Promise.resolve({
    bus,
    publishRaw: async (eventType, key, value) => {
      await bus.ensureTopics([eventType]);
      await bus.publishRecords([{ topic: bus.topicOf(eventType), key, value: Buffer.from(value), headers: {} }]);
    },
    deadLetters: async (eventType) => {
      const watcher = watch(eventType);
      await watcher.ready;
      return [...watcher.letters];
    },
    close: async () => {
      closed = true;
      await Promise.all([...watchers.values()].map((watcher) => watcher.consumer.disconnect()));
      await bus.close();
    },
  });
}
