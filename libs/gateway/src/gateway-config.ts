import { isIP } from 'node:net';
import { duration, envField, flag, int, jsonField, oneOf, parseEnv, type Env } from '@tenantry/config';
import { RATE_LIMIT_FALLBACK_MODES } from '@tenantry/cache';
import { listenHost } from '@tenantry/runtime';
import { planIdSchema, UNLIMITED } from '@tenantry/contracts';
import { z } from 'zod';
import { cacheTtlRulesSchema } from './cache-ttl-rules';

const limitSchema = z.union([z.number().int().positive(), z.literal(UNLIMITED)]);
const rateLimitOverridesSchema = z.partialRecord(
  planIdSchema,
  z.object({ requestsPerMinute: limitSchema, apiCallsPerDay: limitSchema }).partial().strict(),
);
export type RateLimitOverrides = z.output<typeof rateLimitOverridesSchema>;

/** JSON such as `{"enterprise":{"requestsPerMinute":100000}}`. */
const rateLimitOverrides = () =>
  jsonField(rateLimitOverridesSchema, 'a map of plan ids to {requestsPerMinute?, apiCallsPerDay?} (positive integers or "unlimited")');

/** Names Express (proxy-addr) knows for address ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `10.0.0.0/8, 192.168.1.7, loopback`: addresses, CIDR ranges or named ranges, comma-separated. */
function trustedProxies() {
  return envField((raw) => {
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.filter((entry) => !isTrustedProxyEntry(entry));
    if (bad.length > 0)
      return {
        ok: false as const,
        message: `must be addresses, CIDR ranges or loopback/linklocal/uniquelocal, comma-separated; bad entries: ${bad.map((entry) => JSON.stringify(entry.slice(0, 60))).join(', ')}`,
      };
    return { ok: true as const, value: entries };
  });
}

function isTrustedProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** The gateway's own variables (the platform ones — ports, secrets, infra, ENABLE_RESPONSE_CACHE — are in PlatformConfig). */
export const gatewayEnvSchema = z.object({
  /** How long a resolved API key is trusted without asking the tenants service again; events revoke earlier. */
  GATEWAY_KEY_CACHE_TTL: duration({ min: 0, max: 3_600_000 }).default(30_000),
  /** How long an unknown key id is remembered as unknown (a flood of garbage keys costs one lookup each per window). */
  GATEWAY_NEGATIVE_KEY_CACHE_TTL: duration({ min: 0, max: 600_000 }).default(5_000),
  /** What the gateway does while Redis, which holds the shared rate-limit counters, is unreachable. */
  RATE_LIMIT_FALLBACK: oneOf(RATE_LIMIT_FALLBACK_MODES).default('per-process'),
  ENABLE_RATE_LIMIT: flag(true),
  /**
   * Replaces the catalog's gateway limits of some plans in this deployment (an enterprise contract with a
   * negotiated rate, a load test). Features and prices are not affected.
   */
  RATE_LIMIT_OVERRIDES: rateLimitOverrides().default({}),
  /**
   * Requests per minute per client address on the public routes (the billing catalog), which need no
   * API key: counted under `anon:<address>`, apart from any tenant's quota.
   */
  PUBLIC_RATE_LIMIT_PER_MINUTE: int({ min: 1, max: 1_000_000 }).default(60),
  /**
   * The load balancers in front of the gateway. A request from one of them is attributed to the client
   * its `X-Forwarded-For` names (the nearest address not itself trusted), for the public routes' per-address
   * limit; from anyone else the header is ignored, so a client cannot pick its own bucket. Default: none.
   */
  GATEWAY_TRUSTED_PROXIES: trustedProxies().default([]),
  ENABLE_USAGE_METERING: flag(true),
  /** How often per-tenant usage is flushed as `metric.recorded` events. */
  METERING_FLUSH_INTERVAL: duration({ min: 50, max: 600_000 }).default(5_000),
  RESPONSE_CACHE_DEFAULT_TTL_SECONDS: int({ min: 1, max: 86_400 }).default(60),
  /** JSON array of `{route?, tenantId?, ttlSeconds}`; see cache-ttl-rules.ts. */
  RESPONSE_CACHE_TTL_RULES: jsonField(cacheTtlRulesSchema, 'a JSON array of {route?, tenantId?, ttlSeconds}').default([]),
  RESPONSE_CACHE_STALE_SECONDS: int({ min: 0, max: 86_400 }).default(30),
  /** Upstream request timeout: a slower service answers 504. */
  UPSTREAM_TIMEOUT: duration({ min: 100, max: 600_000 }).default(30_000),
  /** Keep-alive sockets kept open per upstream service. */
  UPSTREAM_MAX_SOCKETS: int({ min: 1, max: 10_000 }).default(256),
  /**
   * Upstream requests one tenant (or one anonymous client address) may have in flight at once; more get a
   * 429 problem with Retry-After. Well below UPSTREAM_MAX_SOCKETS, so no tenant can hold the whole pool.
   */
  GATEWAY_MAX_CONCURRENT_PER_TENANT: int({ min: 1, max: 10_000 }).default(32),
  /** Keep-alive sockets per service kept apart for the platform admin and key resolution. */
  GATEWAY_CONTROL_MAX_SOCKETS: int({ min: 1, max: 10_000 }).default(32),
  /** A request's headers must arrive whole within this time (408 problem, connection closed): slow-header clients cannot hoard connections. */
  GATEWAY_HEADERS_TIMEOUT: duration({ min: 1_000, max: 120_000 }).default(10_000),
  /** A request body must arrive whole within this time (408 problem otherwise); it is read before any upstream connection is taken. */
  GATEWAY_BODY_TIMEOUT: duration({ min: 100, max: 60_000 }).default(10_000),
  /** Largest request body the gateway forwards, in bytes (413 problem beyond; the services parse at most 1 MB). */
  GATEWAY_MAX_BODY_BYTES: int({ min: 1, max: 64 * 1024 * 1024 }).default(1024 * 1024),
  /** Failed authentications one client address may have per minute before it gets 429 (and no key lookups). */
  GATEWAY_AUTH_FAILURES_PER_MINUTE: int({ min: 1, max: 1_000_000 }).default(20),
  /** Clients reach the gateway over HTTPS (here or at a balancer in front): answers carry Strict-Transport-Security. */
  GATEWAY_BEHIND_TLS: flag(false),
  /** The operator listener (`/metrics`, `/health`, `/ready`): its own port, never the public one. 0 = any free port. */
  GATEWAY_ADMIN_PORT: int({ min: 0, max: 65_535 }).default(9464),
  /** Where the operator listener binds: loopback unless the deployment says (docker-compose: 0.0.0.0 on the private network). */
  GATEWAY_ADMIN_HOST: listenHost().default('127.0.0.1'),
});

export type GatewayEnv = z.output<typeof gatewayEnvSchema>;

export function loadGatewayConfig(env: Env): GatewayEnv {
  return parseEnv(gatewayEnvSchema, env);
}
