import type { ServiceName } from '@tenantry/config';
import type { Feature } from '@tenantry/contracts';

/** One entry of the gateway's routing table: requests under `prefix` go to `service`. */
export interface UpstreamRoute {
  prefix: string;
  service: Exclude<ServiceName, 'gateway'>;
  /** Tenants whose plan lacks this feature are refused at the gateway (403 naming the plan that has it). */
  feature?: Feature;
  /** The route template used on metrics and usage events: bounded, never a raw path. */
  template: string;
}

const route = (prefix: string, service: UpstreamRoute['service'], feature?: Feature): UpstreamRoute => ({
  prefix,
  service,
  feature,
  template: `${prefix}/*`,
});

/** The public API (MISSION §4). `/internal/**` of the services is never reachable from outside. */
export const UPSTREAM_ROUTES: readonly UpstreamRoute[] = [
  route('/api/v1/tenants', 'tenants'),
  route('/api/v1/monetization', 'billing'),
  route('/api/v1/observability', 'observability'),
  route('/api/v1/ai-assistant', 'ai-assistant', 'ai_assistant'),
];

/** The route serving `path` (no query), or undefined. Runs on every request: no allocation. */
export function matchRoute(path: string, routes: readonly UpstreamRoute[] = UPSTREAM_ROUTES): UpstreamRoute | undefined {
  for (const candidate of routes) {
    const { prefix } = candidate;
    if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === SLASH)) return candidate;
  }
  return undefined;
}

const SLASH = 0x2f;

/**
 * The public API: `GET`/`HEAD` of billing's catalog (MISSION §4: `/api/v1/monetization/plans`,
 * `/plans/{id}`, `/compare-plans`) and of the services' API descriptions (`/api/v1/tenants/openapi.json`,
 * `/api/v1/monetization/openapi.json`), exactly (no trailing slash, case as written), need no API key.
 * Any other method on these paths and every other path still need one.
 */
const PUBLIC_PATH = /^\/api\/v1\/(?:monetization\/(?:plans(?:\/[^/]+)?|compare-plans|openapi\.json)|tenants\/openapi\.json)$/;

/** Whether a request (path without query) may be served without a credential. Runs on every request: no allocation. */
export function isPublicRequest(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && PUBLIC_PATH.test(path);
}

/**
 * Dot segments (`/../`, `/%2e%2e/`) and encoded slashes or backslashes would let a path look like one
 * route to the gateway and another to a service that normalises it. Nothing legitimate needs them.
 */
const AMBIGUOUS_PATH = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|%2f|%5c|\\/i;

export function isAmbiguousPath(path: string): boolean {
  return AMBIGUOUS_PATH.test(path);
}
