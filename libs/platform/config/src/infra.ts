import { z } from 'zod';
import { ConfigError } from './config-error';
import { brokerList, int, kafkaNamespace, mongoUri, oneOf, redisUrl } from './fields';
import { parseEnv, type Env } from './parse-env';

/**
 * Embedded (everything in memory, zero setup) or real infrastructure. Each of KAFKA_BROKERS,
 * MONGODB_URI and REDIS_URL independently switches its adapter to the real one; the process is in
 * `embedded` mode only when all three are in memory. `TENANTRY_MODE` can force the choice:
 * `embedded` ignores the three variables, `real` requires all of them.
 */
export type InfraMode = 'embedded' | 'real';

export interface InfraSelection {
  mode: InfraMode;
  /** `namespace` (KAFKA_NAMESPACE) prefixes every topic and consumer group: `<namespace>.tenant.created`. */
  eventBus: { adapter: 'kafka'; brokers: string[]; namespace?: string } | { adapter: 'in-memory' };
  storage: { adapter: 'mongodb'; uri: string } | { adapter: 'in-memory' };
  /** `poolSize` (REDIS_POOL_SIZE, 1–16): connections to Redis per process (the cache library's default when unset). */
  cache: { adapter: 'redis'; url: string; poolSize?: number } | { adapter: 'in-memory' };
}

export const infraEnvSchema = z.object({
  TENANTRY_MODE: oneOf(['embedded', 'real'] as const).optional(),
  KAFKA_BROKERS: brokerList().optional(),
  /** Lets several deployments (staging and production, two test runs) share one Kafka cluster. */
  KAFKA_NAMESPACE: kafkaNamespace().optional(),
  MONGODB_URI: mongoUri().optional(),
  REDIS_URL: redisUrl().optional(),
  REDIS_POOL_SIZE: int({ min: 1, max: 16 }).optional(),
});

export function detectInfra(env: Env = process.env): InfraSelection {
  const { TENANTRY_MODE, KAFKA_BROKERS, KAFKA_NAMESPACE, MONGODB_URI, REDIS_URL, REDIS_POOL_SIZE } = parseEnv(infraEnvSchema, env);
  if (TENANTRY_MODE === 'embedded') {
    return { mode: 'embedded', eventBus: { adapter: 'in-memory' }, storage: { adapter: 'in-memory' }, cache: { adapter: 'in-memory' } };
  }
  if (TENANTRY_MODE === 'real') {
    const missing = Object.entries({ KAFKA_BROKERS, MONGODB_URI, REDIS_URL }).filter(([, value]) => value === undefined);
    if (missing.length > 0) {
      throw new ConfigError(missing.map(([variable]) => ({ variable, message: 'is required when TENANTRY_MODE=real' })));
    }
  }
  const selection: InfraSelection = {
    mode: KAFKA_BROKERS || MONGODB_URI || REDIS_URL ? 'real' : 'embedded',
    eventBus: KAFKA_BROKERS
      ? { adapter: 'kafka', brokers: KAFKA_BROKERS, ...(KAFKA_NAMESPACE ? { namespace: KAFKA_NAMESPACE } : {}) }
      : { adapter: 'in-memory' },
    storage: MONGODB_URI ? { adapter: 'mongodb', uri: MONGODB_URI } : { adapter: 'in-memory' },
    cache: REDIS_URL
      ? { adapter: 'redis', url: REDIS_URL, ...(REDIS_POOL_SIZE !== undefined && { poolSize: REDIS_POOL_SIZE }) }
      : { adapter: 'in-memory' },
  };
  return selection;
}

/**
 * One line for the start-up log saying which adapters are in use. Names only the Kafka brokers;
 * the MongoDB and Redis URLs are left out because they may carry passwords. A part the process does
 * not open (`used`: no service of the process needs it) is said to be unused, whatever is configured.
 */
export function describeInfra(
  selection: InfraSelection,
  used: { readonly eventBus: boolean; readonly persistence: boolean; readonly cache: boolean } = {
    eventBus: true,
    persistence: true,
    cache: true,
  },
): string {
  const { eventBus: bus } = selection;
  const eventBus = !used.eventBus
    ? 'not used'
    : bus.adapter === 'kafka'
      ? `Kafka (${bus.brokers.join(', ')}${bus.namespace ? `, namespace ${bus.namespace}` : ''})`
      : 'in-memory';
  const storage = !used.persistence ? 'not used' : selection.storage.adapter === 'mongodb' ? 'MongoDB' : 'in-memory';
  const cache = !used.cache ? 'not used' : selection.cache.adapter === 'redis' ? 'Redis' : 'in-memory';
  const inMemory = [eventBus, storage, cache].includes('in-memory');
  const note = inMemory ? ' — in-memory data is lost when the process exits' : '';
  return `${selection.mode} mode; event bus: ${eventBus}; storage: ${storage}; cache: ${cache}${note}`;
}
