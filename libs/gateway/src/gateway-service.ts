import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { resolveApiKeyPath, resolvedApiKeySchema, ServiceUnavailableError, type ResolvedApiKey } from '@tenantry/contracts';
import { InMemoryRateLimiter, openRateLimiter, redisConnectionOf } from '@tenantry/cache';
import { startHttpServer } from '@tenantry/http';
import type { ServiceContext, ServiceDefinition, StartedService, Platform } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import { apiReferenceRouter } from './api-reference/api-reference.routes';
import { Authenticator } from './auth/authenticate';
import { createCacheAdmin } from './cache-admin';
import { FailedAuthentications } from './auth/failed-authentications';
import { compileCacheTtlRules } from './cache-ttl-rules';
import { KeyResolver } from './auth/key-resolver';
import { PlansInForce } from './auth/plans-in-force';
import { loadGatewayConfig, type GatewayEnv } from './gateway-config';
import { createGatewayApp } from './gateway-app';
import { GatewayMetrics } from './gateway-metrics';
import { UsageMeter } from './metering/usage-meter';
import { Upstreams } from './proxy/upstreams';
import { ResponseCache } from './response-cache';
import { UPSTREAM_ROUTES } from './routes';
import { subscribeToInvalidations } from './invalidation';
import { gatewayState, operatorApp } from './operator-listener';
import { securityHeaders } from './security-headers';

const TENANTS_ROUTE = UPSTREAM_ROUTES.find((route) => route.service === 'tenants') ?? UPSTREAM_ROUTES[0];

/** How the runtime starts the gateway (alone in apps/gateway, or last in apps/all-in-one). */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  upstreams: [...new Set(UPSTREAM_ROUTES.map((route) => route.service))],
  // The event bus (plan and key events in, usage events out — published directly, not through an outbox)
  // and the cache (responses; the rate limiter shares its Redis connections). No database: with the
  // database down, a gateway keeps serving hits, forwarding to the services that answer, and stays ready.
  needs: { persistence: false, eventBus: true, cache: true },
  start: (platform, logger, context) => startGateway(platform, logger, context),
};

async function startGateway(platform: Platform, logger: Logger, context: ServiceContext): Promise<StartedService> {
  const env: GatewayEnv = loadGatewayConfig(context.env);
  const { config } = platform;
  const instance = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const metrics = new GatewayMetrics();

  const upstreams = new Upstreams({
    urlOf: (service) => context.urlOf(service),
    internalSecret: config.internalSecret.value,
    timeoutMs: env.UPSTREAM_TIMEOUT,
    maxSockets: env.UPSTREAM_MAX_SOCKETS,
    controlMaxSockets: env.GATEWAY_CONTROL_MAX_SOCKETS,
    maxConcurrentPerCaller: env.GATEWAY_MAX_CONCURRENT_PER_TENANT,
    logger,
    onNewConnection: (service) => metrics.openedUpstreamConnection(service),
    onBulkheadFull: () => metrics.refusedByRateLimit('concurrency'),
  });
  const keys = new KeyResolver({
    fetchKey: (keyId) => fetchKeyFromTenants(upstreams, keyId, logger),
    ttlMs: env.GATEWAY_KEY_CACHE_TTL,
    negativeTtlMs: env.GATEWAY_NEGATIVE_KEY_CACHE_TTL,
  });
  // Fed by subscription events, read on every authentication: a plan change applies from the next request.
  const plans = new PlansInForce();
  const responseCache = new ResponseCache({
    cache: platform.cache,
    logger,
    enabled: config.enableResponseCache,
    defaultTtlSeconds: env.RESPONSE_CACHE_DEFAULT_TTL_SECONDS,
    staleWhileRevalidateSeconds: env.RESPONSE_CACHE_STALE_SECONDS,
    routeTtl: compileCacheTtlRules(env.RESPONSE_CACHE_TTL_RULES),
  });
  // The cache's Redis connection pool, and so its one health model: the limiter falls back exactly when
  // the response cache bypasses. (The pool keeps large cached values off the connections that carry the
  // limiter's small replies.)
  const redisUrl = config.infra.cache.adapter === 'redis' ? config.infra.cache.url : undefined;
  const rateLimiter = env.ENABLE_RATE_LIMIT
    ? openRateLimiter({ connection: redisConnectionOf(platform.cache), redisUrl, logger, fallbackMode: env.RATE_LIMIT_FALLBACK })
    : undefined;
  const meter = env.ENABLE_USAGE_METERING
    ? new UsageMeter({ bus: platform.bus, logger, reporter: `gateway-${instance}`, flushIntervalMs: env.METERING_FLUSH_INTERVAL })
    : undefined;
  meter?.start();

  // Every gateway instance must see every invalidation, so each one is its own consumer group.
  const subscription = await subscribeToInvalidations({
    bus: platform.bus,
    groupId: `gateway-${instance}`,
    keys,
    plans,
    responseCache,
    logger,
  });

  // Counted in the shared limiter when there is one, so every replica sees an address's failures.
  const failedAuthentications = new FailedAuthentications({
    limiter: rateLimiter ?? new InMemoryRateLimiter(),
    perMinute: env.GATEWAY_AUTH_FAILURES_PER_MINUTE,
  });

  // The operators' cache API (/api/v1/gateway/cache): statistics, purges, warming.
  const cacheAdmin = createCacheAdmin({ cache: platform.cache, responseCache, upstreams, plans, logger });

  const app = createGatewayApp({
    logger,
    authenticator: new Authenticator(config.adminApiKey.value, keys, plans),
    failedAuthentications,
    bodyLimits: { maxBytes: env.GATEWAY_MAX_BODY_BYTES, timeoutMs: env.GATEWAY_BODY_TIMEOUT },
    behindTls: env.GATEWAY_BEHIND_TLS,
    rateLimiter,
    responseCache,
    upstreams,
    meter,
    metrics,
    rateLimitOverrides: env.RATE_LIMIT_OVERRIDES,
    publicRateLimitPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    trustedProxies: env.GATEWAY_TRUSTED_PROXIES,
    readiness: platform.readiness,
    cacheAdmin,
    apiReference: apiReferenceRouter({
      routes: UPSTREAM_ROUTES,
      logger,
      ownDocuments: [cacheAdmin.document],
      fetchUpstream: (route, url) =>
        upstreams.fetch({ route, method: 'GET', url, headers: { accept: 'application/json' }, pool: 'control' }),
    }),
  });

  const operatorHealth = gatewayState({
    ...(rateLimiter ? { rateLimiter } : {}),
    responseCache,
    ...(meter ? { meter } : {}),
    plans,
    upstreams,
  });
  const operator = await startHttpServer(operatorApp(operatorHealth), {
    port: env.GATEWAY_ADMIN_PORT,
    host: env.GATEWAY_ADMIN_HOST,
    logger,
  });

  return {
    app,
    http: {
      clientErrorHeaders: securityHeaders({ behindTls: env.GATEWAY_BEHIND_TLS }),
      headersTimeoutMs: env.GATEWAY_HEADERS_TIMEOUT,
      // The hot path's trace context is made by the platform, a span recorded only when sampled (issue 14).
      ownServerSpans: true,
    },
    operator,
    async stop() {
      await operator.close();
      await subscription.stop();
      await meter?.stop();
      await cacheAdmin.statistics.close();
      await rateLimiter?.close();
      upstreams.close();
    },
  };
}

async function fetchKeyFromTenants(upstreams: Upstreams, keyId: string, logger: Logger): Promise<ResolvedApiKey | null> {
  const url = resolveApiKeyPath(keyId);
  const response = await upstreams.fetch({
    route: TENANTS_ROUTE,
    method: 'GET',
    url,
    headers: { accept: 'application/json' },
    identity: { role: 'service', service: 'gateway' },
    pool: 'control',
  });
  if (response.statusCode === 404) return null;
  if (response.statusCode !== 200) {
    logger.error({ status: response.statusCode }, 'the tenants service refused to resolve an API key');
    throw new ServiceUnavailableError('API keys cannot be verified right now (the tenants service did not answer).');
  }
  return resolvedApiKeySchema.parse(JSON.parse(response.body.toString('utf8')));
}
