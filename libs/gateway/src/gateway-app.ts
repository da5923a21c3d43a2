import {
  ForbiddenError,
  hasFeature,
  planOf,
  RateLimitedError,
  requiredScope,
  scopesAllow,
  ServiceUnavailableError,
  UnauthorizedError,
  UNLIMITED,
} from '@tenantry/contracts';
import {
  CLIENT_IDENTITY_HEADERS,
  createHttpApp,
  featureNotInPlanError,
  HttpProblem,
  type NodeDirectHandler,
  type ReadinessChecks,
  requestIdOf,
  setRouteTemplate,
} from '@tenantry/http';
import { rateLimitHeaders, type RateLimiter, type RateLimitDecision } from '@tenantry/cache';
import { setLogContext, type Logger } from '@tenantry/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Authenticator, Caller } from './auth/authenticate';
import { CACHE_ADMIN_PREFIX, type CacheStatistics, requireAdmin } from './cache-admin';
import type { FailedAuthentications } from './auth/failed-authentications';
import type { RateLimitOverrides } from './gateway-config';
import type { GatewayMetrics } from './gateway-metrics';
import type { UsageMeter } from './metering/usage-meter';
import { assertUnambiguousFraming, type BodyLimits, readRequestBody } from './proxy/framing';
import { type ForwardedFor, plainHost } from './proxy/headers';
import type { UpstreamCall, Upstreams } from './proxy/upstreams';
import {
  type CacheableRequest,
  type CacheStatus,
  type Prefetched,
  PUBLIC_TENANT_ID,
  type ResponseCache,
  type ServeResult,
  type UpstreamResponse,
} from './response-cache';
import { isAmbiguousPath, isPublicRequest, matchRoute, type UpstreamRoute } from './routes';
import { securityHeadersMiddleware } from './security-headers';

export interface GatewayAppDependencies {
  logger: Logger;
  authenticator: Authenticator;
  /** Throttles failed authentications per client address (absent: not throttled). */
  failedAuthentications?: FailedAuthentications;
  /** Absent when rate limiting is switched off. */
  rateLimiter?: RateLimiter;
  responseCache: ResponseCache;
  upstreams: Upstreams;
  /** Absent when usage metering is switched off. */
  meter?: UsageMeter;
  metrics: GatewayMetrics;
  /** Deployment overrides of the catalog's gateway limits (RATE_LIMIT_OVERRIDES). */
  rateLimitOverrides?: RateLimitOverrides;
  /** Requests per minute per client address on the public routes (PUBLIC_RATE_LIMIT_PER_MINUTE, default 60). */
  publicRateLimitPerMinute?: number;
  /** GATEWAY_TRUSTED_PROXIES: whose `X-Forwarded-For` names the client address (default: nobody's). */
  trustedProxies?: readonly string[];
  /** Request bodies: read whole at the edge, within a size and a time limit (defaults: 1 MiB, 10 s). */
  bodyLimits?: BodyLimits;
  /** GATEWAY_BEHIND_TLS: answers carry HSTS. */
  behindTls?: boolean;
  readiness?: ReadinessChecks;
  /** The public API reference (`GET /openapi.json`, `GET /docs`: api-reference/), served before authentication. */
  apiReference?: RequestHandler;
  /**
   * The cache operations (cache-admin/): their router, served by the gateway itself under
   * CACHE_ADMIN_PREFIX for the admin key only, and the statistics every tenant GET through the cache is counted in.
   */
  cacheAdmin?: { router: RequestHandler; statistics: CacheStatistics };
}

const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 1024 * 1024, timeoutMs: 10_000 };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What metering records for a request whose client left before the answer was written (nginx's 499). */
const CLIENT_CLOSED_REQUEST = 499;
const X_CACHE_STATUS = 'X-Cache-Status';
const DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE = 60;
/** What makes parseurl (express's `req.path`) parse a target fully instead of cutting it at `?`. */
const NEEDS_FULL_URL_PARSE = /[\t\n\f\r #\u00a0\ufeff]/;

/**
 * The gateway (MISSION §4): request id and trace context (platform middleware and OTel) → authenticate
 * → tenant status → feature gate → rate limit → response cache → proxy → usage metering. The public
 * routes (billing's catalog) skip authentication: rate limit per client address → response cache →
 * proxy. Bodies are not parsed: they stream to the service untouched.
 */
export function createGatewayApp(dependencies: GatewayAppDependencies): Express {
  const deps: GatewayRuntime = dependencies.meter ? { ...dependencies, recordUsage: meteringListener(dependencies.meter) } : dependencies;
  // On node's request and response: express's objects are made only for what needs them (a miss, a problem).
  const serveApi: NodeDirectHandler = { node: (req, res, asExpress) => handle(deps, req, res, req.url ?? '/', asExpress) };
  return createHttpApp({
    service: 'gateway',
    logger: deps.logger,
    json: false,
    // Operators scrape the gateway's metrics on its own listener (gateway-service.ts), not on the public door.
    metrics: false,
    readiness: deps.readiness,
    everyRequest: securityHeadersMiddleware({ behindTls: deps.behindTls ?? false }),
    // The API routes (and the probes) skip express's router: the gateway's hot path walks no layers.
    direct: (_req, path) => (matchRoute(path) ? serveApi : undefined),
    configure(app) {
      if (deps.trustedProxies && deps.trustedProxies.length > 0) app.set('trust proxy', [...deps.trustedProxies]);
      if (deps.apiReference) app.use(deps.apiReference);
      if (deps.cacheAdmin)
        app.use(CACHE_ADMIN_PREFIX, (req, _res, next) => adminOnly(deps, req).then(() => next()), deps.cacheAdmin.router);
      app.use((req, res) => handle(deps, req, res, req.originalUrl, () => req));
    },
  });
}

/** What metering records of a tenant's request when its response closes, filled in as the request goes. */
interface MeteredOutcome {
  caller: Extract<Caller, { kind: 'tenant' }>;
  route: UpstreamRoute;
  method: string;
  startedAt: number;
  cacheStatus: CacheStatus | undefined;
  rateLimited: boolean;
}

/** The metered outcome on node's response (a symbol property): the `close` listener reads it, no closure holds it. */
const METERED = Symbol('tenantry.gateway.metered');
type MeteredResponse = ServerResponse & { [METERED]?: MeteredOutcome };

/** The dependencies and what the app makes of them once (not per request). */
type GatewayRuntime = GatewayAppDependencies & { readonly recordUsage?: (this: MeteredResponse) => void };

/** The `close` listener recording a request's usage in `meter`: one function per app, `this` the response. */
function meteringListener(meter: UsageMeter): (this: MeteredResponse) => void {
  return function recordUsage(this: MeteredResponse): void {
    const outcome = this[METERED];
    if (outcome === undefined) return;
    const { caller, route, cacheStatus } = outcome;
    meter.record({
      tenantId: caller.tenantId,
      timezone: caller.timezone,
      service: route.service,
      route: route.template,
      method: outcome.method,
      statusCode: this.writableFinished ? this.statusCode : CLIENT_CLOSED_REQUEST,
      latencyMs: performance.now() - outcome.startedAt,
      cacheHit: cacheStatus === 'HIT' || cacheStatus === 'STALE',
      rateLimited: outcome.rateLimited,
    });
  };
}

/**
 * One API request. `url`: its target as received (express's `originalUrl`); `asExpress`: express's request
 * for it (the same object), made on first call — a cache hit never makes it.
 */
async function handle(
  deps: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  asExpress: () => Request,
): Promise<void> {
  const startedAt = performance.now();
  assertUnambiguousFraming(req);
  const queryAt = url.indexOf('?');
  const target = queryAt === -1 ? url : url.slice(0, queryAt);
  // express's `req.path` (parseurl) is the target before `?` unless it has what only a full URL parse reads.
  const path = NEEDS_FULL_URL_PARSE.test(url) ? asExpress().path : target;
  const route = matchRoute(path);
  if (!route) throw new HttpProblem('not-found', 404, 'Not found', `No API route for ${req.method ?? 'GET'} ${path}.`);
  setRouteTemplate(req, route.template);
  if (isAmbiguousPath(target)) {
    throw new HttpProblem(
      'bad-request',
      400,
      'Bad request',
      'The path contains dot segments or encoded slashes, which the API never uses.',
    );
  }
  const method = req.method ?? 'GET';
  if (isPublicRequest(method, path)) {
    await servePublic(deps, req, res, url, route, asExpress);
    return;
  }

  const authenticated = authenticate(deps, req, asExpress);
  const caller = authenticated instanceof Promise ? await authenticated : authenticated;
  // Read by the metering listener when the response closes: filled in as the request goes.
  let outcome: MeteredOutcome | undefined;
  if (caller.kind === 'tenant') {
    setLogContext({ tenantId: caller.tenantId });
    enforceScopes(deps, caller, route, method);
    enforceFeatureGate(deps, caller, route);
    // Metered from here on: every request that reached the rate limiter is API usage (a refused one is
    // flagged, and is not counted against the quota). `close` comes after `finish`, and also when the client
    // goes away first: a request that consumed quota is counted even if its answer never went out
    // (as 499, "client closed request", which is not a server error).
    if (deps.recordUsage) {
      outcome = { caller, route, method, startedAt, cacheStatus: undefined, rateLimited: false };
      (res as MeteredResponse)[METERED] = outcome;
      // `on`: a response closes once (no `once` wrapper per request); one function for every request of the app.
      res.on('close', deps.recordUsage);
    }
    const cacheRequest = method === 'GET' || method === 'HEAD' ? cacheRequestOf(req, url, caller) : undefined;
    let prefetched: Prefetched | undefined;
    if (deps.rateLimiter) {
      const limited = { tenantId: caller.tenantId, limits: limitsOf(caller, deps.rateLimitOverrides), timezone: caller.timezone };
      // A GET the cache would look up: the limit and the lookup in one Redis round trip (one script).
      const lookupKeys = cacheRequest && deps.rateLimiter.consumeThenRead ? deps.responseCache.lookupKeys(cacheRequest) : undefined;
      let decision: RateLimitDecision;
      if (lookupKeys && deps.rateLimiter.consumeThenRead) {
        const answer = await deps.rateLimiter.consumeThenRead(limited, lookupKeys);
        decision = answer.decision;
        prefetched = answer.values;
      } else {
        decision = await deps.rateLimiter.consume(limited);
      }
      applyRateLimit(deps, res, decision, 'plan', outcome);
    }
    stripClientIdentity(req);
    if (cacheRequest) {
      const served = serveThroughCache(deps, res, route, caller, asExpress, cacheRequest, prefetched);
      const status = served instanceof Promise ? await served : served;
      if (outcome) outcome.cacheStatus = status;
      return;
    }
  } else {
    stripClientIdentity(req);
  }

  // Read whole before the cache is purged or an upstream connection taken: a trickled body holds neither.
  const body = await readRequestBody(req, () => res.setHeader('Connection', 'close'), deps.bodyLimits ?? DEFAULT_BODY_LIMITS);
  res.setHeader(X_CACHE_STATUS, 'BYPASS');
  deps.metrics.cacheOutcome('BYPASS');
  if (caller.kind === 'tenant' && !SAFE_METHODS.has(method)) {
    // RFC 9111 §4.4: a write invalidates what the cache holds. Purging before forwarding gives a client
    // that reads after its write a fresh answer; purging again after covers reads that raced the write.
    // With the cache backend down there is nothing to purge (and nothing is served from it): never fail the write for it.
    const purge = () =>
      deps.responseCache
        .purgeTenant(caller.tenantId)
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'response cache purge failed'));
    await purge();
    res.once('finish', () => void purge());
  }
  const request = asExpress();
  await deps.upstreams.forward({ ...upstreamCall(request, route, caller), body }, request.res as Response);
}

/** The gateway's own admin operations: framing checked, the admin key required (a tenant key is a 403 problem). */
async function adminOnly(deps: GatewayAppDependencies, req: Request): Promise<void> {
  assertUnambiguousFraming(req);
  requireAdmin(await authenticate(deps, req, () => req));
}

/** What every upstream call of this request shares (the body, if any, is added by the caller). */
function upstreamCall(req: Request, route: UpstreamRoute, caller: Caller | undefined): UpstreamCall {
  return {
    route,
    method: req.method,
    url: req.originalUrl,
    headers: req.headers,
    ...(caller ? { identity: caller.identity } : {}),
    pool: caller?.kind === 'admin' ? 'control' : 'tenant',
    ...(caller?.kind === 'admin' ? {} : { bulkhead: caller ? caller.tenantId : `anon:${addressOf(req)}` }),
    forwarded: forwardedFor(req),
    requestId: requestIdOf(req),
  };
}

/**
 * X-Forwarded-* as the gateway vouches for them: the chain a trusted proxy sent (GATEWAY_TRUSTED_PROXIES)
 * plus the address of the connection, or from anyone else just that address — a client's own
 * X-Forwarded-For never reaches a service as if the gateway had seen it.
 */
function forwardedFor(req: Request): ForwardedFor {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const claimed = req.headers['x-forwarded-for'];
  const trusts = req.app.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  const fromTrustedProxy = claimed !== undefined && trusts !== undefined && trusts(peer, 0);
  const host = plainHost(req.headers.host);
  return { for: fromTrustedProxy ? `${claimed}, ${peer}` : peer, proto: req.protocol, ...(host ? { host } : {}) };
}

/** The caller of a request: synchronously when its key is known (a cache hit's case), else a promise. */
function authenticate(deps: GatewayAppDependencies, req: IncomingMessage, asExpress: () => Request): Caller | Promise<Caller> {
  const address = clientAddress(deps, req, asExpress);
  deps.failedAuthentications?.assertNotLimited(address);
  try {
    const caller = deps.authenticator.authenticateNow(req.headers.authorization);
    return caller instanceof Promise ? caller.catch((error: unknown) => refused(deps, req, address, error)) : caller;
  } catch (error) {
    return refused(deps, req, address, error);
  }
}

/** Counts a refused authentication (and a failure against the client's address) and rejects with the refusal. */
async function refused(deps: GatewayAppDependencies, req: IncomingMessage, address: string, error: unknown): Promise<never> {
  if (error instanceof UnauthorizedError) {
    deps.metrics.refusedAccess(req.headers.authorization ? 'invalid' : 'missing');
    const limited = await deps.failedAuthentications?.recordFailure(address);
    if (limited) throw limited;
  } else if (error instanceof ForbiddenError)
    deps.metrics.refusedAccess(error.extensions['tenant_status'] === 'cancelled' ? 'cancelled' : 'suspended');
  throw error;
}

/**
 * A key limited to scopes reaches only the areas and methods they allow (`billing:read`: GETs under
 * `/api/v1/monetization`); refused before the rate limiter, so a refused request costs no quota.
 */
function enforceScopes(
  deps: GatewayAppDependencies,
  caller: Extract<Caller, { kind: 'tenant' }>,
  route: UpstreamRoute,
  method: string,
): void {
  const { scopes } = caller;
  if (scopes.length === 0) return;
  const needed = requiredScope(route.service, method);
  if (scopesAllow(scopes, needed)) return;
  deps.metrics.refusedAccess('scope');
  throw new ForbiddenError(
    `This API key is limited to the scopes ${scopes.join(', ')}; ${method} ${route.prefix} needs the scope ${needed}.`,
    {
      required_scope: needed,
      key_scopes: scopes,
    },
  );
}

/** The same 403 problem as the owning service's `requireFeature` gives (one construction, in @tenantry/http). */
function enforceFeatureGate(deps: GatewayAppDependencies, caller: Extract<Caller, { kind: 'tenant' }>, route: UpstreamRoute): void {
  if (!route.feature || hasFeature(caller.tier, route.feature)) return;
  deps.metrics.refusedAccess('feature');
  throw featureNotInPlanError(route.feature, caller.tier);
}

/**
 * A public route (the billing catalog): no credential is asked for or looked at — an Authorization
 * header, valid or not, is dropped with the client's identity headers — and no identity is signed.
 * Rate-limited per client address (`anon:<address>`, apart from every tenant's quota) and cached in the
 * one public namespace, as the upstream's Cache-Control allows. Not metered: there is no tenant.
 */
async function servePublic(
  deps: GatewayAppDependencies,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  route: UpstreamRoute,
  asExpress: () => Request,
): Promise<void> {
  if (deps.rateLimiter) {
    const perMinute = deps.publicRateLimitPerMinute ?? DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE;
    const decision = await deps.rateLimiter.consume({
      tenantId: `anon:${clientAddress(deps, req, asExpress)}`,
      limits: { perMinute, perDay: UNLIMITED },
      timezone: 'UTC',
    });
    applyRateLimit(deps, res, decision, 'public', undefined);
  }
  stripClientIdentity(req);
  await serveThroughCache(deps, res, route, undefined, asExpress, cacheRequestOf(req, url, undefined));
}

/**
 * The client's address: the connection's, or — when the connection comes from a trusted proxy
 * (GATEWAY_TRUSTED_PROXIES, Express's `trust proxy`) — the nearest untrusted address of its
 * `X-Forwarded-For`. Nobody else's header counts, so a client cannot pick its own rate-limit bucket.
 */
function clientAddress(deps: GatewayAppDependencies, req: IncomingMessage, asExpress: () => Request): string {
  // Without trusted proxies express's `req.ip` is the connection's address: no need for express's request.
  return deps.trustedProxies && deps.trustedProxies.length > 0 ? addressOf(asExpress()) : (req.socket.remoteAddress ?? 'unknown');
}

function addressOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function limitsOf(caller: Extract<Caller, { kind: 'tenant' }>, overrides: RateLimitOverrides = {}) {
  const { limits } = planOf(caller.tier);
  const override = overrides[caller.tier];
  return { perMinute: override?.requestsPerMinute ?? limits.requestsPerMinute, perDay: override?.apiCallsPerDay ?? limits.apiCallsPerDay };
}

function applyRateLimit(
  deps: GatewayAppDependencies,
  res: ServerResponse,
  decision: RateLimitDecision,
  whose: 'plan' | 'public',
  outcome: MeteredOutcome | undefined,
): void {
  const headers = rateLimitHeaders(decision);
  for (const name in headers) res.setHeader(name, headers[name as keyof typeof headers] as string);
  if (decision.allowed) return;
  if (outcome) outcome.rateLimited = true;
  if (decision.refusedBy === undefined) {
    deps.metrics.refusedByRateLimit('unavailable');
    throw new ServiceUnavailableError('The rate limiter is unavailable and the gateway is configured to refuse requests until it is back.');
  }
  deps.metrics.refusedByRateLimit(decision.refusedBy);
  const retryAfter = decision.retryAfterSeconds ?? 1;
  throw new RateLimitedError(
    whose === 'public'
      ? `Rate limit for requests without an API key reached (per client address); retry in ${retryAfter} s.`
      : decision.refusedBy === 'day'
        ? `Daily API call quota of your plan reached; it resets at midnight in your time zone (in ${retryAfter} s).`
        : `Rate limit of your plan reached; retry in ${retryAfter} s.`,
    retryAfter,
    { policy: decision.refusedBy },
  );
}

/** Removes every identity the client claimed, and its credential: services must never see either. */
function stripClientIdentity(req: IncomingMessage): void {
  const { headers } = req;
  // `delete` only what is there: deleting absent properties still reshapes the object V8 optimised.
  for (const header of CLIENT_IDENTITY_HEADERS) if (headers[header] !== undefined) delete headers[header];
  delete headers.authorization;
}

/** What the response cache needs of a GET/HEAD: a tenant's request in its namespace, a public one (no caller) in the shared one. */
function cacheRequestOf(req: IncomingMessage, url: string, caller: Extract<Caller, { kind: 'tenant' }> | undefined): CacheableRequest {
  const queryAt = url.indexOf('?');
  return {
    tenantId: caller ? caller.tenantId : PUBLIC_TENANT_ID,
    // Keys with different scopes may be answered differently: they never share cached responses.
    ...(caller?.scopePartition ? { partition: caller.scopePartition } : {}),
    method: req.method ?? 'GET',
    path: queryAt === -1 ? url : url.slice(0, queryAt),
    query: queryAt === -1 ? '' : url.slice(queryAt + 1),
    headers: req.headers,
  };
}

/**
 * Serves a GET/HEAD through the response cache: a tenant's request in its namespace, with its signed
 * identity on the upstream call; a public request (no caller) in the shared public namespace, unsigned.
 * `prefetched`: the cache's lookup, already read with the rate limit (see `ResponseCache.lookupKeys`).
 */
function serveThroughCache(
  deps: GatewayAppDependencies,
  res: ServerResponse,
  route: UpstreamRoute,
  caller: Extract<Caller, { kind: 'tenant' }> | undefined,
  asExpress: () => Request,
  cacheRequest: CacheableRequest,
  prefetched?: Prefetched,
): CacheStatus | Promise<CacheStatus> {
  const served = deps.responseCache.serveNow(
    cacheRequest,
    // Signed when the upstream call happens (a cache hit needs no signature; a background revalidation
    // may run after the request ended). GET and HEAD carry no body: `assertUnambiguousFraming` saw to it.
    () => deps.upstreams.fetch(upstreamCall(asExpress(), route, caller)),
    prefetched,
  );
  // A hit on prefetched values is answered here and now: no promise between the lookup and the write.
  return served instanceof Promise
    ? served.then((result) => answerFromCache(deps, res, caller, cacheRequest, result))
    : answerFromCache(deps, res, caller, cacheRequest, served);
}

function answerFromCache(
  deps: GatewayAppDependencies,
  res: ServerResponse,
  caller: Extract<Caller, { kind: 'tenant' }> | undefined,
  cacheRequest: CacheableRequest,
  { status, response }: ServeResult,
): CacheStatus {
  deps.metrics.cacheOutcome(status);
  if (caller) deps.cacheAdmin?.statistics.record(caller.tenantId, cacheRequest.path, status);
  writeResponse(res, response, status, cacheRequest.method === 'HEAD');
  return status;
}

function writeResponse(res: ServerResponse, response: UpstreamResponse, cacheStatus: CacheStatus, headOnly: boolean): void {
  res.statusCode = response.statusCode;
  const { headers } = response;
  // `for…in`, not `Object.entries`: no array of pairs per hit (the header map is a plain object).
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && name !== 'content-length' && name !== 'x-request-id') res.setHeader(name, value);
  }
  res.setHeader(X_CACHE_STATUS, cacheStatus);
  if (headOnly) {
    // A HEAD answer describes the GET's body without sending it.
    const length = response.headers['content-length'];
    if (typeof length === 'string') res.setHeader('Content-Length', length);
    res.end();
    return;
  }
  res.setHeader('Content-Length', response.body.length);
  res.end(response.body);
}
