import { runServices, type RunningServices } from '@tenantry/runtime';
import { gatewayService } from '../gateway-service';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Cache, InMemoryCache, InMemoryRateLimiter } from '@tenantry/cache';
import { createEvent, resolveApiKeyPath, type PlanId, type ResolvedApiKey, type TenantStatus } from '@tenantry/contracts';
import { type EventBus, InMemoryEventBus, type Subscription } from '@tenantry/event-bus';
import { generateApiKey, type Identity, signIdentity, startHttpServer, verifyIdentity } from '@tenantry/http';
import { createLogger } from '@tenantry/telemetry';
import { Authenticator } from '../auth/authenticate';
import { type CacheStatisticsOptions, createCacheAdmin } from '../cache-admin';
import { FailedAuthentications } from '../auth/failed-authentications';
import { KeyResolver } from '../auth/key-resolver';
import { PlansInForce } from '../auth/plans-in-force';
import { createGatewayApp, type GatewayAppDependencies } from '../gateway-app';
import { GatewayMetrics } from '../gateway-metrics';
import { subscribeToInvalidations } from '../invalidation';
import { UsageMeter } from '../metering/usage-meter';
import { Upstreams } from '../proxy/upstreams';
import { ResponseCache } from '../response-cache';
import { gatewayState, operatorApp } from '../operator-listener';
import { isPublicRequest, matchRoute } from '../routes';
import { securityHeaders } from '../security-headers';

export const ADMIN_KEY = 'admin-key-for-gateway-tests-0123456789abcdef';
export const SECRET = 'internal-secret-for-gateway-tests-0123456789';
export const silentLogger = createLogger({ service: 'gateway', level: 'silent' });

/** What the stand-in tenants service says about a tenant: status, plan and the subscription revision it applied. */
export interface StubTenant {
  status: TenantStatus;
  tier: PlanId;
  revision: number;
  /** The tenant's time zone as the tenants service answers it (default Europe/Ljubljana). */
  timezone?: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The verified gateway identity; undefined for a public route, which the gateway does not sign. */
  identity: Identity | undefined;
}

/** What the stand-in billing service answers on its public catalog routes (as billing does: no identity, shared-cacheable). */
export const CATALOG_CACHE_CONTROL = 'public, max-age=300';

/**
 * A stand-in for the services behind the gateway: it resolves keys like the tenants service and echoes
 * what it received, after checking the gateway's signature like every real service does — except on
 * billing's public catalog routes, which (like billing) it serves to anyone.
 */
export class StubServices {
  readonly keys = new Map<string, { plaintext: string; resolved: ResolvedApiKey }>();
  readonly received: ReceivedRequest[] = [];
  readonly tenants = new Map<string, StubTenant>();
  /** Key resolutions asked of this stand-in (hits of the key cache do not count). */
  keyLookups = 0;
  /** Admin reads of one tenant (`GET /api/v1/tenants/{id}`), answered with its status and plan, not echoed. */
  tenantReads = 0;
  /** Requests to a path containing `/hold` wait here until `releaseHeld()`. */
  private held: Array<() => void> = [];
  server!: Server;

  get heldCount(): number {
    return this.held.length;
  }

  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? url;
      if (isPublicRequest(method, path)) {
        this.received.push({ method, url, headers: req.headers, identity: undefined });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': CATALOG_CACHE_CONTROL });
        res.end(method === 'HEAD' ? undefined : JSON.stringify({ catalog: path, seen: this.received.length }));
        return;
      }
      // Each request must be signed for the service the gateway routes it to (key resolution: tenants).
      const audience = url.startsWith('/internal/v1/api-keys/') ? 'tenants' : (matchRoute(path)?.service ?? 'unrouted');
      const verified = verifyIdentity(req.headers, { method, url }, SECRET, { audience });
      if (!verified.ok) {
        res.writeHead(401).end();
        return;
      }
      if (url.startsWith('/internal/v1/api-keys/')) {
        this.keyLookups += 1;
        this.resolveKey(decodeURIComponent(url.split('/').pop() ?? ''), res);
        return;
      }
      // The admin reading one tenant (as the gateway's cache warmer does): its status and plan as the tenants
      // service answers them, or 404 for an unknown `ten_…` id. Other ids (`/api/v1/tenants/x`) are echoed as usual.
      const tenantRead = method === 'GET' && verified.identity.role === 'admin' ? /^\/api\/v1\/tenants\/(ten_[^/?]+)$/.exec(url) : null;
      if (tenantRead) {
        this.tenantReads += 1;
        const tenant = this.tenants.get(decodeURIComponent(tenantRead[1] ?? ''));
        if (!tenant) res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
        else
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: tenant.status, subscription_tier: tenant.tier }));
        return;
      }
      this.received.push({ method, url, headers: req.headers, identity: verified.identity });
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = () => {
          // A service naming a hop-by-hop header of its own: the gateway must not pass it (or Keep-Alive) on.
          const hop = url.includes('/hop')
            ? { connection: 'keep-alive, x-upstream-hop', 'x-upstream-hop': 'secret', 'keep-alive': 'timeout=5' }
            : {};
          res.writeHead(method === 'POST' ? 201 : 200, {
            'content-type': 'application/json',
            'x-request-id': 'the-service-own-id',
            ...hop,
          });
          res.end(JSON.stringify({ seen: this.received.length, url, body: Buffer.concat(chunks).toString('utf8') }));
        };
        if (url.includes('/hold')) this.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Issues a key for the tenant (created on first use with this tier, status and subscription revision 1). */
  addTenant(tenantId: string, tier: PlanId = 'pro', status: TenantStatus = 'active', scopes: string[] = []): string {
    const key = generateApiKey();
    if (!this.tenants.has(tenantId)) this.tenants.set(tenantId, { status, tier, revision: 1 });
    this.keys.set(key.keyId, {
      plaintext: key.plaintext,
      resolved: {
        keyId: key.keyId,
        tenantId,
        keyHash: key.hash,
        scopes,
        revokedAt: null,
        expiresAt: null,
        tenant: { id: tenantId, status, subscriptionTier: tier, subscriptionRevision: 1, timezone: 'Europe/Ljubljana' },
      },
    });
    return key.plaintext;
  }

  /** The identities the services received for a tenant, oldest first. */
  identitiesOf(tenantId: string): Array<Extract<Identity, { role: 'tenant' }>> {
    return this.received.flatMap(({ identity }) => (identity?.role === 'tenant' && identity.tenantId === tenantId ? [identity] : []));
  }

  private resolveKey(keyId: string, res: ServerResponse): void {
    const entry = this.keys.get(keyId);
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    const tenant = this.tenants.get(entry.resolved.tenantId);
    const body: ResolvedApiKey = {
      ...entry.resolved,
      tenant: {
        ...entry.resolved.tenant,
        status: tenant?.status ?? 'active',
        subscriptionTier: tenant?.tier ?? 'pro',
        subscriptionRevision: tenant?.revision ?? 0,
        timezone: tenant?.timezone ?? entry.resolved.tenant.timezone,
      },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

export interface TestGateway {
  url: string;
  /** The operator listener (`/metrics`), apart from the public door. */
  operatorUrl: string;
  bus: EventBus;
  keys: KeyResolver;
  plans: PlansInForce;
  meter: UsageMeter;
  upstreams: Upstreams;
  /** The cache behind the response cache (in-memory unless the options gave one). */
  cache: Cache;
  close(): Promise<void>;
}

export type TestGatewayOptions = Pick<
  GatewayAppDependencies,
  'publicRateLimitPerMinute' | 'trustedProxies' | 'rateLimitOverrides' | 'bodyLimits' | 'behindTls'
> & {
  /** The rate limiter's clock (default: the real one). */
  now?: () => number;
  /** Upstream requests one tenant may have in flight (default unbounded). */
  maxConcurrentPerCaller?: number;
  /** Failed authentications per address and minute (default 1 000: not in the way of other tests). */
  authFailuresPerMinute?: number;
  /** The server's headers timeout (default the platform's). */
  headersTimeoutMs?: number;
  /** The cache behind the response cache (default a fresh InMemoryCache). */
  cache?: Cache;
  /** Bounds of the cache statistics' SCAN (default the production ones). */
  cacheScan?: Pick<CacheStatisticsOptions, 'scanCount' | 'maxScannedKeys' | 'maxScanSteps'>;
};

/**
 * The gateway app wired as `gatewayService` wires it, on in-memory adapters (events published on `bus`
 * invalidate and change plans, as Kafka does for a real gateway), in front of `stubUrl`, on a free port.
 */
export async function startTestGateway(stubUrl: string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const logger = silentLogger;
  const upstreams = new Upstreams({
    urlOf: () => stubUrl,
    internalSecret: SECRET,
    timeoutMs: 2_000,
    maxSockets: 16,
    ...(options.maxConcurrentPerCaller === undefined ? {} : { maxConcurrentPerCaller: options.maxConcurrentPerCaller }),
    logger,
  });
  const bus = new InMemoryEventBus({ logger });
  const meter = new UsageMeter({ bus, logger, reporter: 'test', flushIntervalMs: 60_000 });
  const keys = new KeyResolver({
    fetchKey: async (keyId) => {
      const response = await fetch(`${stubUrl}${resolveApiKeyPath(keyId)}`, {
        headers: signIdentity(
          { role: 'service', service: 'gateway' },
          { method: 'GET', url: resolveApiKeyPath(keyId), audience: 'tenants' },
          SECRET,
        ),
      });
      return response.status === 404 ? null : ((await response.json()) as ResolvedApiKey);
    },
    ttlMs: 60_000,
    negativeTtlMs: 1_000,
  });
  const plans = new PlansInForce();
  const cache = options.cache ?? new InMemoryCache();
  const responseCache = new ResponseCache({ cache, logger, enabled: true });
  const invalidations: Subscription = await subscribeToInvalidations({
    bus,
    groupId: `gateway-test-${randomUUID()}`,
    keys,
    plans,
    responseCache,
    logger,
  });
  const rateLimiter = new InMemoryRateLimiter(options.now ? { now: options.now } : {});
  const cacheAdmin = createCacheAdmin({
    cache,
    responseCache,
    upstreams,
    plans,
    logger,
    ...(options.cacheScan ? { scan: options.cacheScan } : {}),
  });
  const app = createGatewayApp({
    logger,
    authenticator: new Authenticator(ADMIN_KEY, keys, plans),
    failedAuthentications: new FailedAuthentications({ limiter: rateLimiter, perMinute: options.authFailuresPerMinute ?? 1_000 }),
    rateLimiter,
    responseCache,
    upstreams,
    meter,
    metrics: new GatewayMetrics(),
    cacheAdmin,
    ...(options.publicRateLimitPerMinute === undefined ? {} : { publicRateLimitPerMinute: options.publicRateLimitPerMinute }),
    ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
    ...(options.rateLimitOverrides === undefined ? {} : { rateLimitOverrides: options.rateLimitOverrides }),
    ...(options.bodyLimits === undefined ? {} : { bodyLimits: options.bodyLimits }),
    ...(options.behindTls === undefined ? {} : { behindTls: options.behindTls }),
  });
  // As gatewayService is served: the platform's server, answering unparseable requests with problems.
  const server = await startHttpServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    shutdownGraceMs: 500,
    ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
    clientErrorHeaders: securityHeaders({ behindTls: options.behindTls ?? false }),
  });
  const operator = createServer(operatorApp(gatewayState({ rateLimiter, responseCache, meter, plans, upstreams })));
  await new Promise<void>((resolve) => operator.listen(0, '127.0.0.1', resolve));
  return {
    url: server.url,
    operatorUrl: `http://127.0.0.1:${(operator.address() as AddressInfo).port}`,
    bus,
    keys,
    plans,
    meter,
    upstreams,
    cache,
    async close() {
      await invalidations.stop();
      await cacheAdmin.statistics.close();
      upstreams.close();
      await server.close();
      await new Promise((resolve) => operator.close(resolve));
      await bus.close();
    },
  };
}

/** Builds a subscription event as billing publishes it (the tenant's `revision`-th subscription event). */
export function planChanged(
  type: 'subscription.upgraded' | 'subscription.downgraded',
  tenantId: string,
  change: { from: PlanId; to: PlanId; revision: number },
) {
  const effectiveAt = new Date();
  const period = { start: effectiveAt.toISOString(), end: new Date(effectiveAt.getTime() + 30 * 86_400_000).toISOString() };
  const data = {
    tenant_id: tenantId,
    revision: change.revision,
    subscription_id: `sub_${tenantId}`,
    from_plan_id: change.from,
    to_plan_id: change.to,
    from_interval: 'monthly' as const,
    interval: 'monthly' as const,
    effective_at: effectiveAt.toISOString(),
    period,
  };
  return type === 'subscription.upgraded'
    ? createEvent('subscription.upgraded', { tenantId, source: '/tenantry/billing', data })
    : createEvent('subscription.downgraded', { tenantId, source: '/tenantry/billing', data: { ...data, timing: 'immediate' as const } });
}

/** `fetch` against a gateway with an optional bearer key. */
export function callGateway(gatewayUrl: string, path: string, key: string | undefined, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gatewayUrl}${path}`, {
    ...init,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) },
  });
}

/**
 * The gateway alone in a process, as apps/gateway runs it (runServices, its own platform), in front of
 * `stubUrl` for every service, on free ports; `env` names the infrastructure it is given.
 */
export function startGatewayProcess(stubUrl: string, env: Record<string, string> = {}): Promise<RunningServices> {
  return runServices([gatewayService], {
    processName: 'gateway',
    env: {
      ADMIN_API_KEY: ADMIN_KEY,
      INTERNAL_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      GATEWAY_ADMIN_PORT: '0',
      TENANTS_URL: stubUrl,
      BILLING_URL: stubUrl,
      OBSERVABILITY_URL: stubUrl,
      AI_ASSISTANT_URL: stubUrl,
      ...env,
    },
    ports: { gateway: 0 },
    host: '127.0.0.1',
    exit: () => undefined,
  });
}
