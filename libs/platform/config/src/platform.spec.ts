import { describeInfra, detectInfra } from './infra';
import { loadPlatformConfig, resolveAdminKey, resolveInternalSecret } from './platform';
import { catchConfigError } from './test-support/catch-config-error';

const adminKey = 'a'.repeat(40);
const internalSecret = 'i'.repeat(40);
const realInfra = { KAFKA_BROKERS: 'localhost:9092', MONGODB_URI: 'mongodb://localhost:27017/t', REDIS_URL: 'redis://localhost:6379' };

describe('detectInfra', () => {
  it('when no infrastructure variable is set, then everything is in memory (embedded mode)', () => {
    expect(detectInfra({})).toEqual({
      mode: 'embedded',
      eventBus: { adapter: 'in-memory' },
      storage: { adapter: 'in-memory' },
      cache: { adapter: 'in-memory' },
    });
  });

  it('when only REDIS_URL is set, then only the cache is real and the mode is real', () => {
    const selection = detectInfra({ REDIS_URL: 'redis://localhost:6379' });
    expect(selection.mode).toBe('real');
    expect(selection.cache).toEqual({ adapter: 'redis', url: 'redis://localhost:6379' });
    expect(selection.eventBus).toEqual({ adapter: 'in-memory' });
    expect(selection.storage).toEqual({ adapter: 'in-memory' });
  });

  it('when TENANTRY_MODE=real lacks variables, then each missing one is named', () => {
    expect(() => detectInfra({ TENANTRY_MODE: 'real', REDIS_URL: 'redis://r:6379' })).toThrow(
      expect.objectContaining({ variables: ['KAFKA_BROKERS', 'MONGODB_URI'] }),
    );
  });

  it('when TENANTRY_MODE=embedded, then the infrastructure variables are ignored', () => {
    expect(detectInfra({ TENANTRY_MODE: 'embedded', ...realInfra }).mode).toBe('embedded');
  });

  it('when KAFKA_NAMESPACE is set, then the Kafka adapter carries it and the description names it; a bad one is named', () => {
    const selection = detectInfra({ KAFKA_BROKERS: 'k1:9092', KAFKA_NAMESPACE: 'staging-eu' });
    expect(selection.eventBus).toEqual({ adapter: 'kafka', brokers: ['k1:9092'], namespace: 'staging-eu' });
    expect(describeInfra(selection)).toContain('Kafka (k1:9092, namespace staging-eu)');
    for (const bad of ['has.dot', 'has space', 'x'.repeat(65)]) {
      expect(catchConfigError(() => detectInfra({ KAFKA_BROKERS: 'k1:9092', KAFKA_NAMESPACE: bad })).variables).toEqual([
        'KAFKA_NAMESPACE',
      ]);
    }
  });

  it('when REDIS_POOL_SIZE is set, then the Redis adapter carries it; unset, the cache library decides; a bad one is named', () => {
    expect(detectInfra({ REDIS_URL: 'redis://r:6379', REDIS_POOL_SIZE: '2' }).cache).toEqual({
      adapter: 'redis',
      url: 'redis://r:6379',
      poolSize: 2,
    });
    expect(detectInfra({ REDIS_URL: 'redis://r:6379' }).cache).toEqual({ adapter: 'redis', url: 'redis://r:6379' });
    for (const bad of ['0', '17', 'two']) {
      expect(catchConfigError(() => detectInfra({ REDIS_URL: 'redis://r:6379', REDIS_POOL_SIZE: bad })).variables).toEqual([
        'REDIS_POOL_SIZE',
      ]);
    }
  });

  it('when describing the selection, then adapters are named and URLs (credentials) are not', () => {
    const line = describeInfra(detectInfra({ KAFKA_BROKERS: 'k1:9092', MONGODB_URI: 'mongodb://user:pa55@db:27017/t' }));
    expect(line).toBe(
      'real mode; event bus: Kafka (k1:9092); storage: MongoDB; cache: in-memory — in-memory data is lost when the process exits',
    );
    expect(line).not.toContain('pa55');
  });

  it('when the process does not use a part, then the line says so whatever is configured (and warns of no in-memory loss for it)', () => {
    const selection = detectInfra({ KAFKA_BROKERS: 'k1:9092', MONGODB_URI: 'mongodb://db:27017/t', REDIS_URL: 'redis://r:6379' });
    expect(describeInfra(selection, { eventBus: true, persistence: false, cache: true })).toBe(
      'real mode; event bus: Kafka (k1:9092); storage: not used; cache: Redis',
    );
    expect(describeInfra(detectInfra({}), { eventBus: false, persistence: false, cache: false })).toBe(
      'embedded mode; event bus: not used; storage: not used; cache: not used',
    );
  });
});

describe('resolveAdminKey / resolveInternalSecret', () => {
  it('when the key is set, then it is used as is and not marked generated', () => {
    expect(resolveAdminKey({ ADMIN_API_KEY: adminKey }, 'real')).toEqual({ value: adminKey, generated: false });
  });

  it('when unset in embedded mode, then a random key is generated, different each time', () => {
    const first = resolveAdminKey({}, 'embedded');
    const second = resolveInternalSecret({}, 'embedded');
    expect(first.generated).toBe(true);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.value).not.toBe(first.value);
  });

  it('when unset in real mode, then it is a configuration error naming the variable', () => {
    expect(() => resolveInternalSecret({}, 'real')).toThrow(expect.objectContaining({ variables: ['INTERNAL_SECRET'] }));
  });

  it('when too short, then it is rejected even in embedded mode, without echoing it', () => {
    const error = catchConfigError(() => resolveAdminKey({ ADMIN_API_KEY: 'tiny-secret' }, 'embedded'));
    expect(error.variables).toEqual(['ADMIN_API_KEY']);
    expect(error.message).not.toContain('tiny-secret');
  });
});

describe('loadPlatformConfig', () => {
  it('when nothing is set, then the defaults apply and secrets are generated (embedded)', () => {
    const config = loadPlatformConfig({});
    expect(config).toMatchObject({
      logLevel: 'info',
      serviceName: undefined,
      ports: { gateway: 8080, tenants: 3001, billing: 3002, observability: 3003, 'ai-assistant': 3004 },
      enableResponseCache: true,
      defaultSubscriptionTier: 'basic',
      processedEventsRetentionMs: 7 * 24 * 60 * 60 * 1000,
      infra: { mode: 'embedded' },
      adminApiKey: { generated: true },
      internalSecret: { generated: true },
    });
  });

  it('when overrides are set, then they are used', () => {
    const config = loadPlatformConfig({
      ...realInfra,
      ADMIN_API_KEY: adminKey,
      INTERNAL_SECRET: internalSecret,
      LOG_LEVEL: 'debug',
      SERVICE_NAME: 'billing',
      BILLING_PORT: '4002',
      ENABLE_RESPONSE_CACHE: 'no',
      DEFAULT_SUBSCRIPTION_TIER: 'pro',
      PROCESSED_EVENTS_RETENTION: '30d',
    });
    expect(config).toMatchObject({
      logLevel: 'debug',
      serviceName: 'billing',
      ports: { billing: 4002, gateway: 8080 },
      enableResponseCache: false,
      defaultSubscriptionTier: 'pro',
      processedEventsRetentionMs: 30 * 24 * 60 * 60 * 1000,
      infra: { mode: 'real', eventBus: { adapter: 'kafka', brokers: ['localhost:9092'] } },
      adminApiKey: { value: adminKey, generated: false },
      internalSecret: { value: internalSecret, generated: false },
    });
  });

  it('when fields, infrastructure and secrets are all wrong, then one error names every variable', () => {
    const error = catchConfigError(() =>
      loadPlatformConfig({
        TENANTS_PORT: '99999',
        DEFAULT_SUBSCRIPTION_TIER: 'gold',
        PROCESSED_EVENTS_RETENTION: '5m',
        MONGODB_URI: 'http://db',
        ADMIN_API_KEY: 'short',
      }),
    );
    expect(error.variables).toEqual([
      'TENANTS_PORT',
      'DEFAULT_SUBSCRIPTION_TIER',
      'PROCESSED_EVENTS_RETENTION',
      'MONGODB_URI',
      'ADMIN_API_KEY',
      'INTERNAL_SECRET',
    ]);
    expect(error.message).not.toContain('short"');
  });
});
