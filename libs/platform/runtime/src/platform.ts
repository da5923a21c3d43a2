import type { PlatformConfig } from '@tenantry/config';
import { type Cache, openCache } from '@tenantry/cache';
import { type EventBus, InMemoryEventBus, KafkaEventBus, OutboxRelay } from '@tenantry/event-bus';
import type { ReadinessChecks } from '@tenantry/http';
import { openPersistence, type Persistence } from '@tenantry/persistence';
import type { Logger } from '@tenantry/telemetry';
import { Housekeeping, processedEventsPruning } from './housekeeping';

/**
 * The infrastructure every service of one process shares: the event bus, the database, the cache and
 * the outbox relay, each the real adapter or its in-memory twin as the configuration says. In the
 * all-in-one process the services share ONE platform, so events published by one reach the others.
 */
export interface Platform {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly persistence: Persistence;
  readonly cache: Cache;
  /** Publishes what the services' writes put into the outbox; `notify()` it after a write for low latency. */
  readonly outboxRelay: OutboxRelay;
  /** Dependency checks for `/ready`. */
  readonly readiness: ReadinessChecks;
  /** Periodic clean-up: forgets old processed event ids; services add their own tasks (`every`). */
  readonly housekeeping: Housekeeping;
  /** Stops housekeeping and the relay, then closes the bus, the database and the cache. */
  close(): Promise<void>;
}

/** `processName` names this process to the broker (Kafka client id `tenantry-<processName>`). */
export async function openPlatform(config: PlatformConfig, logger: Logger, processName: string): Promise<Platform> {
  const { infra } = config;
  const bus: EventBus =
    infra.eventBus.adapter === 'kafka'
      ? new KafkaEventBus({
          brokers: infra.eventBus.brokers,
          clientId: `tenantry-${processName}`,
          logger,
          ...kafkaNamespaceOptions(infra.eventBus.namespace),
        })
      : new InMemoryEventBus({ logger });
  const persistence = await openPersistence({ mongodbUri: infra.storage.adapter === 'mongodb' ? infra.storage.uri : undefined, logger });
  const cache = openCache({ redisUrl: infra.cache.adapter === 'redis' ? infra.cache.url : undefined, logger });
  const outboxRelay = new OutboxRelay({ source: persistence.createOutboxSource(), bus, logger });
  outboxRelay.start();
  const housekeeping = new Housekeeping(logger);
  housekeeping.every(processedEventsPruning(() => persistence.processedEventStore(), config.processedEventsRetentionMs));

  const readiness: ReadinessChecks = {
    'event-bus': async () => {
      const health = await bus.health();
      if (health.status !== 'up') throw new Error(health.detail ?? 'event bus is down');
    },
    storage: () => persistence.ping(),
    cache: async () => {
      const health = await cache.cache.health();
      if (health.status !== 'up') throw new Error(`cache is ${health.status}`);
    },
  };

  return {
    config,
    logger,
    bus,
    persistence,
    cache: cache.cache,
    outboxRelay,
    readiness,
    housekeeping,
    async close() {
      await housekeeping.stop();
      await outboxRelay.stop();
      await bus.close();
      await Promise.all([persistence.close(), cache.close()]);
    },
  };
}

/** KAFKA_NAMESPACE: `<namespace>.` before every topic and consumer group, so deployments can share a cluster. */
export function kafkaNamespaceOptions(namespace: string | undefined): { topicPrefix?: string; groupPrefix?: string } {
  return namespace ? { topicPrefix: `${namespace}.`, groupPrefix: `${namespace}.` } : {};
}
