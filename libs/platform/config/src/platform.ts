import { randomBytes } from 'node:crypto';
import { PLAN_IDS } from '@tenantry/contracts';
import { z } from 'zod';
import { ConfigError, ConfigIssueCollector } from './config-error';
import { duration, flag, logLevel, type LogLevel, oneOf, port, secret, url } from './fields';
import { detectInfra, type InfraMode, type InfraSelection } from './infra';
import { parseEnv, withoutBlankValues, type Env } from './parse-env';

/** The services and their default ports (MISSION §2); each is overridable by its `<NAME>_PORT` variable. */
export const DEFAULT_PORTS = {
  gateway: 8080,
  tenants: 3001,
  billing: 3002,
  observability: 3003,
  'ai-assistant': 3004,
} as const;

export type ServiceName = keyof typeof DEFAULT_PORTS;
export const SERVICE_NAMES = Object.keys(DEFAULT_PORTS) as ServiceName[];

/** The plan ids of the catalog in `@tenantry/contracts` (one list, so a new plan cannot be missed here). */
export const SUBSCRIPTION_TIERS = PLAN_IDS;
export type SubscriptionTier = (typeof SUBSCRIPTION_TIERS)[number];

/** Minimum length of ADMIN_API_KEY and INTERNAL_SECRET: 32 characters (≥ 192 bits if random base64). */
export const MIN_SECRET_LENGTH = 32;

/** Env fields every service shares. Spread them into a service's own `z.object({...})`. */
export const platformEnvShape = {
  LOG_LEVEL: logLevel(),
  SERVICE_NAME: oneOf(SERVICE_NAMES as [ServiceName, ...ServiceName[]]).optional(),
  GATEWAY_PORT: port(DEFAULT_PORTS.gateway),
  TENANTS_PORT: port(DEFAULT_PORTS.tenants),
  BILLING_PORT: port(DEFAULT_PORTS.billing),
  OBSERVABILITY_PORT: port(DEFAULT_PORTS.observability),
  AI_ASSISTANT_PORT: port(DEFAULT_PORTS['ai-assistant']),
  ENABLE_RESPONSE_CACHE: flag(true),
  DEFAULT_SUBSCRIPTION_TIER: oneOf(SUBSCRIPTION_TIERS).default('basic'),
  /**
   * How long consumers remember the ids of events they processed (to skip redeliveries). At least the
   * topics' retention (Kafka's default: 7 days): an event is never redelivered after its topic dropped it.
   */
  PROCESSED_EVENTS_RETENTION: duration({ min: 3_600_000, max: 366 * 86_400_000 }).default(7 * 86_400_000),
  /** How long a gateway-signed identity stays valid (a few seconds: a captured pair is soon worthless). */
  IDENTITY_MAX_AGE: duration({ min: 1_000, max: 60_000 }).default(10_000),
  /** Where the gateway (and services calling each other) reach a service run in another process. */
  TENANTS_URL: serviceUrl(),
  BILLING_URL: serviceUrl(),
  OBSERVABILITY_URL: serviceUrl(),
  AI_ASSISTANT_URL: serviceUrl(),
} as const;

function serviceUrl() {
  return url({ protocols: ['http:', 'https:'] }).optional();
}

export const platformEnvSchema = z.object(platformEnvShape);

export interface ResolvedSecret {
  value: string;
  /** True when the environment had none and one was generated (embedded mode only): print it once. */
  generated: boolean;
}

/**
 * The secret in `variable`. In embedded mode an unset secret is generated (random, 256 bits, base64url)
 * so `npm start` works with zero setup; in real mode it is required. Never a default value.
 */
export function resolveSecret(env: Env, variable: string, mode: InfraMode, minLength = MIN_SECRET_LENGTH): ResolvedSecret {
  const provided = withoutBlankValues(env)[variable];
  if (provided !== undefined) {
    const value = parseEnv(z.object({ [variable]: secret(minLength) }), { [variable]: provided })[variable];
    return { value: String(value), generated: false };
  }
  if (mode === 'embedded') return { value: randomBytes(32).toString('base64url'), generated: true };
  throw new ConfigError([{ variable, message: `is required outside embedded mode (a secret of at least ${minLength} characters)` }]);
}

/** `Authorization: Bearer <ADMIN_API_KEY>` grants platform-admin access. */
export const resolveAdminKey = (env: Env, mode: InfraMode): ResolvedSecret => resolveSecret(env, 'ADMIN_API_KEY', mode);

/** The HMAC key the gateway signs identity headers with and services verify them with. */
export const resolveInternalSecret = (env: Env, mode: InfraMode): ResolvedSecret => resolveSecret(env, 'INTERNAL_SECRET', mode);

export interface PlatformConfig {
  logLevel: LogLevel;
  serviceName: ServiceName | undefined;
  ports: Record<ServiceName, number>;
  /**
   * Base URLs of services in other processes (`TENANTS_URL`, …). A service absent here and not running in
   * this process is reached on loopback at its port.
   */
  serviceUrls: Partial<Record<ServiceName, string>>;
  enableResponseCache: boolean;
  defaultSubscriptionTier: SubscriptionTier;
  /** `PROCESSED_EVENTS_RETENTION` in milliseconds: processed event ids older than this are forgotten. */
  processedEventsRetentionMs: number;
  /** `IDENTITY_MAX_AGE` in milliseconds (default 10 s): services refuse older signed identities. */
  identityMaxAgeMs: number;
  infra: InfraSelection;
  adminApiKey: ResolvedSecret;
  internalSecret: ResolvedSecret;
}

/**
 * Everything the platform shares, checked in one pass: the error names every bad variable, whether it
 * is a malformed port, a missing secret or a bad infrastructure URL.
 */
export function loadPlatformConfig(env: Env = process.env): PlatformConfig {
  const collector = new ConfigIssueCollector();
  const fields = collector.attempt(() => parseEnv(platformEnvSchema, env));
  const infra = collector.attempt(() => detectInfra(env));
  // Whether secrets may be generated depends on the mode; with bad infra variables assume the stricter one.
  const mode: InfraMode = infra?.mode ?? 'real';
  const adminApiKey = collector.attempt(() => resolveAdminKey(env, mode));
  const internalSecret = collector.attempt(() => resolveInternalSecret(env, mode));
  collector.throwIfAny();
  if (!fields || !infra || !adminApiKey || !internalSecret) throw new Error('unreachable: every step either succeeded or was reported');
  return {
    logLevel: fields.LOG_LEVEL,
    serviceName: fields.SERVICE_NAME,
    ports: {
      gateway: fields.GATEWAY_PORT,
      tenants: fields.TENANTS_PORT,
      billing: fields.BILLING_PORT,
      observability: fields.OBSERVABILITY_PORT,
      'ai-assistant': fields.AI_ASSISTANT_PORT,
    },
    serviceUrls: withoutUndefined({
      tenants: fields.TENANTS_URL,
      billing: fields.BILLING_URL,
      observability: fields.OBSERVABILITY_URL,
      'ai-assistant': fields.AI_ASSISTANT_URL,
    }),
    enableResponseCache: fields.ENABLE_RESPONSE_CACHE,
    defaultSubscriptionTier: fields.DEFAULT_SUBSCRIPTION_TIER,
    processedEventsRetentionMs: fields.PROCESSED_EVENTS_RETENTION,
    identityMaxAgeMs: fields.IDENTITY_MAX_AGE,
    infra,
    adminApiKey,
    internalSecret,
  };
}

function withoutUndefined<K extends string>(record: Record<K, string | undefined>): Partial<Record<K, string>> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<Record<K, string>>;
}
