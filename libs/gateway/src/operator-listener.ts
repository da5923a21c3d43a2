import type { RequestListener } from 'node:http';
import type { RateLimiterStatus } from '@tenantry/cache';
import { metricsHandler } from '@tenantry/telemetry';

/** The gateway's own state as an operator reads it: all snake_case, like every answer of the platform. */
export type OperatorHealth = () => Record<string, unknown>;

/** The parts of a gateway whose state the operator `/health` shows. */
export interface GatewayParts {
  rateLimiter?: { status(): RateLimiterStatus };
  responseCache: { status(): { enabled: boolean; degraded: boolean } };
  meter?: { stats(): { recorded: number; published: number; pendingEvents: number } };
  plans: { stats(): { tenants: number; applied: number; ignoredAsOlder: number } };
  upstreams: { readonly newConnections: number };
}

/** The operator `/health` body of a gateway made of `parts` (`degraded` lists, in words, what runs in a fallback mode). */
export function gatewayState(parts: GatewayParts): OperatorHealth {
  return () => {
    const limiter = parts.rateLimiter?.status();
    const cache = parts.responseCache.status();
    const metering = parts.meter?.stats();
    const plans = parts.plans.stats();
    return {
      degraded: [
        ...(limiter?.degraded ? [`rate limits are enforced per gateway process (rate_limiter.backend: ${limiter.backend})`] : []),
        ...(cache.degraded ? ['response cache bypassed: cache backend unreachable'] : []),
      ],
      rate_limiter: limiter
        ? {
            enabled: true,
            backend: limiter.backend,
            degraded: limiter.degraded,
            since: limiter.since,
            ...(limiter.fallbackMode ? { fallback_mode: limiter.fallbackMode } : {}),
          }
        : { enabled: false },
      response_cache: cache,
      metering: metering
        ? { enabled: true, recorded: metering.recorded, published: metering.published, pending_events: metering.pendingEvents }
        : { enabled: false },
      plans_in_force: { tenants: plans.tenants, applied: plans.applied, ignored_as_older: plans.ignoredAsOlder },
      upstream_connections: parts.upstreams.newConnections,
    };
  };
}

/**
 * The operator listener: what only an operator needs, on its own port — loopback unless GATEWAY_ADMIN_HOST
 * says otherwise — so nothing of it is reachable through the public door:
 * - `GET /metrics`: the Prometheus scrape (its labels name internal routes, its process data the host);
 * - `GET /health`: the gateway's state (degraded parts, rate-limiter backend, cache, metering backlog,
 *   plans in force, upstream connections). The public `/health` only says the process answers.
 */
export function operatorApp(health: OperatorHealth): RequestListener {
  return (req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD are served here.\n');
      return;
    }
    if (path === '/metrics') {
      metricsHandler(req, res);
      return;
    }
    if (path === '/health') {
      const body = JSON.stringify({ ...health(), status: 'ok', service: 'gateway' });
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics and GET /health are served here.\n');
  };
}
