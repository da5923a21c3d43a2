import type { PlatformConfig } from '@tenantry/config';
import { type Cache, openCache } from '@tenantry/cache';
import { type EventBus, InMemoryEventBus, KafkaEventBus, OutboxRelay } from '@tenantry/event-bus';
import type { ReadinessCheck, ReadinessChecks } from '@tenantry/http';
import { openPersistence, type Persistence } from '@tenantry/persistence';
import type { Logger } from '@tenantry/telemetry';
import { Housekeeping, processedEventsPruning } from './housekeeping';

/**
 * The infrastructure a service uses. The runtime opens, for a process, the union of what its services
 * need — and nothing else: a process that needs no database never connects to one, and its `/ready`
 * does not depend on it.
 */
export interface InfrastructureNeeds {
  /**
   * The database: repositories, processed event ids, idempotency records, and the outbox (with the relay
   * that publishes what writes put in it, and the pruning of processed event ids). The relay publishes on
   * the event bus, so a platform that opens persistence opens the bus too.
   */
  readonly persistence: boolean;
  /** The event bus (Kafka, or its in-memory twin): publishing and consuming events. */
  readonly eventBus: boolean;
  /** The cache (Redis, or its in-memory twin). */
  readonly cache: boolean;
}

export type Infrastructure = keyof InfrastructureNeeds;

/** Everything: what `openPlatform` opens when not told otherwise (test harnesses of the services). */
export const ALL_INFRASTRUCTURE: InfrastructureNeeds = { persistence: true, eventBus: true, cache: true };

/** What a process whose services need `needs` opens: their union, with the event bus for the outbox relay. */
export function infrastructureFor(needs: readonly InfrastructureNeeds[]): InfrastructureNeeds {
  const persistence = needs.some((need) => need.persistence);
  return {
    persistence,
    eventBus: persistence || needs.some((need) => need.eventBus),
    cache: needs.some((need) => need.cache),
  };
}

/** How each part is named in errors and logs. */
export const INFRASTRUCTURE_NAMES: Readonly<Record<Infrastructure, string>> = {
  persistence: 'persistence (the database)',
  eventBus: 'the event bus',
  cache: 'the cache',
};

/**
 * The infrastructure the services of one process share: the event bus, the database, the cache and
 * the outbox relay, each the real adapter or its in-memory twin as the configuration says — each only
 * when a service of the process needs it (`opened`). In the all-in-one process the services share ONE
 * platform, so events published by one reach the others.
 */
export interface Platform {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  /** What this platform opened (as a service sees it: what the service declared). Reading any other part throws an error naming it. */
  readonly opened: InfrastructureNeeds;
  readonly bus: EventBus;
  readonly persistence: Persistence;
  readonly cache: Cache;
  /** Publishes what the services' writes put into the outbox; `notify()` it after a write for low latency. Part of persistence. */
  readonly outboxRelay: OutboxRelay;
  /** Dependency checks for `/ready`: one per part opened (`event-bus`, `storage`, `cache`), none for the others. */
  readonly readiness: ReadinessChecks;
  /** Periodic clean-up: forgets old processed event ids (with persistence); services add their own tasks (`every`). */
  readonly housekeeping: Housekeeping;
  /** Stops housekeeping and the relay, then closes the bus, the database and the cache (those opened). */
  close(): Promise<void>;
}

/**
 * Opens what `needs` asks for (default: everything). `processName` names this process to the broker
 * (Kafka client id `tenantry-<processName>`).
 */
export async function openPlatform(
  config: PlatformConfig,
  logger: Logger,
  processName: string,
  needs: InfrastructureNeeds = ALL_INFRASTRUCTURE,
): Promise<Platform> {
  const { infra } = config;
  const opened = infrastructureFor([needs]);
  const bus: EventBus | undefined = !opened.eventBus
    ? undefined
    : infra.eventBus.adapter === 'kafka'
      ? new KafkaEventBus({
          brokers: infra.eventBus.brokers,
          clientId: `tenantry-${processName}`,
          logger,
          ...kafkaNamespaceOptions(infra.eventBus.namespace),
        })
      : new InMemoryEventBus({ logger });
  const persistence = opened.persistence
    ? await openPersistence({ mongodbUri: infra.storage.adapter === 'mongodb' ? infra.storage.uri : undefined, logger })
    : undefined;
  const cache = opened.cache
    ? openCache({
        ...(infra.cache.adapter === 'redis' && { redisUrl: infra.cache.url, poolSize: infra.cache.poolSize }),
        logger,
      })
    : undefined;
  const outboxRelay = persistence && bus ? new OutboxRelay({ source: persistence.createOutboxSource(), bus, logger }) : undefined;
  outboxRelay?.start();
  const housekeeping = new Housekeeping(logger);
  if (persistence) {
    housekeeping.every(processedEventsPruning(() => persistence.processedEventStore(), config.processedEventsRetentionMs));
  }

  const readiness: Record<string, ReadinessCheck> = {};
  if (bus) {
    readiness['event-bus'] = async () => {
      const health = await bus.health();
      if (health.status !== 'up') throw new Error(health.detail ?? 'event bus is down');
    };
  }
  if (persistence) readiness.storage = () => persistence.ping();
  if (cache) {
    readiness.cache = async () => {
      const health = await cache.cache.health();
      if (health.status !== 'up') throw new Error(`cache is ${health.status}`);
    };
  }

  const notOpened = (part: Infrastructure): never => {
    throw new Error(
      `This ${processName} process did not open ${INFRASTRUCTURE_NAMES[part]}: none of its services declares needs.${part} in its ServiceDefinition.`,
    );
  };
  return {
    config,
    logger,
    opened,
    get bus() {
      return bus ?? notOpened('eventBus');
    },
    get persistence() {
      return persistence ?? notOpened('persistence');
    },
    get cache() {
      return cache?.cache ?? notOpened('cache');
    },
    get outboxRelay() {
      return outboxRelay ?? notOpened('persistence');
    },
    readiness,
    housekeeping,
    async close() {
      await housekeeping.stop();
      await outboxRelay?.stop();
      await bus?.close();
      await Promise.all([persistence?.close(), cache?.close()]);
    },
  };
}

/**
 * The platform as one service sees it: only the parts its ServiceDefinition declares. In a process
 * where another service opened the database, a service that did not declare it still cannot use it —
 * reading it throws an error naming the service and the missing declaration, so a need that was not
 * declared shows in the first test run rather than as a surprise in a deployment without it.
 */
export function platformForService(platform: Platform, service: string, needs: InfrastructureNeeds): Platform {
  const undeclared = (part: Infrastructure): never => {
    throw new Error(
      `The ${service} service uses ${INFRASTRUCTURE_NAMES[part]}, which its ServiceDefinition does not declare: set needs.${part} to true.`,
    );
  };
  return {
    config: platform.config,
    logger: platform.logger,
    opened: needs,
    get bus() {
      return needs.eventBus ? platform.bus : undeclared('eventBus');
    },
    get persistence() {
      return needs.persistence ? platform.persistence : undeclared('persistence');
    },
    get cache() {
      return needs.cache ? platform.cache : undeclared('cache');
    },
    get outboxRelay() {
      return needs.persistence ? platform.outboxRelay : undeclared('persistence');
    },
    readiness: platform.readiness,
    housekeeping: platform.housekeeping,
    close: () => platform.close(),
  };
}

/** KAFKA_NAMESPACE: `<namespace>.` before every topic and consumer group, so deployments can share a cluster. */
export function kafkaNamespaceOptions(namespace: string | undefined): { topicPrefix?: string; groupPrefix?: string } {
  return namespace ? { topicPrefix: `${namespace}.`, groupPrefix: `${namespace}.` } : {};
}
