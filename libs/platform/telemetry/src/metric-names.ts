/**
 * The registry of Tenantry's own metric names and attribute keys. Code records metrics only through
 * these constants, and dashboards, alert rules and the observability service read the Prometheus names
 * below, so a rename is one reviewed change here instead of a silent drift. Add new metrics here.
 *
 * Cardinality rule: attributes are bounded sets (service, route TEMPLATE, method, status class).
 * Never a tenant id, request id, raw path or user input: per-tenant figures are the observability
 * service's job, from events, not Prometheus labels.
 */
export const MetricNames = {
  /** Counter: HTTP requests a service answered. */
  httpServerRequests: 'tenantry.http.server.requests',
  /** Histogram (seconds): time from request arrival to the last byte of the response. */
  httpServerRequestDuration: 'tenantry.http.server.request.duration',
  /** Counter: gateway response-cache outcomes (HIT, MISS, STALE, BYPASS). */
  gatewayCacheRequests: 'tenantry.gateway.cache.requests',
  /** Counter: requests the gateway refused with 429, by the policy that refused them. */
  gatewayRateLimited: 'tenantry.gateway.rate_limited',
  /** Counter: requests refused by authentication (401) or tenant status (403), by reason. */
  gatewayAuthRefusals: 'tenantry.gateway.auth.refusals',
  /** Counter: TCP connections the gateway opened to upstream services (keep-alive keeps this near zero per request). */
  gatewayUpstreamConnections: 'tenantry.gateway.upstream.connections',
} as const;

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

export const MetricAttributes = {
  /** The Tenantry service that answered: gateway, tenants, billing, observability, ai-assistant. */
  service: 'service',
  /** The route template, e.g. `/api/v1/tenants/:tenantId`; `unmatched` when no route matched. */
  route: 'http.route',
  /** The HTTP method, upper case; unknown methods become `_OTHER` (as in OTel semantic conventions). */
  method: 'http.request.method',
  /** `1xx` … `5xx`. The exact code is deliberately left out to bound cardinality. */
  statusClass: 'http.response.status_class',
  /** HIT, MISS, STALE or BYPASS. */
  cacheStatus: 'cache.status',
  /** `minute`, `day` or `unavailable` (limiter down and configured fail-closed). */
  rateLimitPolicy: 'rate_limit.policy',
  /** `missing`, `invalid`, `suspended`, `cancelled`, `feature`. */
  refusalReason: 'refusal.reason',
  /** The upstream service name. */
  upstreamService: 'upstream.service',
} as const;

export type MetricAttributeKey = (typeof MetricAttributes)[keyof typeof MetricAttributes];

/**
 * How the names above appear at `/metrics`: dots become `_`, counters get `_total`; this exporter does not
 * append the unit (it is in the `# UNIT` line), so the histogram has no `_seconds` suffix.
 */
export const PrometheusNames = {
  httpServerRequests: 'tenantry_http_server_requests_total',
  httpServerRequestDuration: 'tenantry_http_server_request_duration',
  gatewayCacheRequests: 'tenantry_gateway_cache_requests_total',
  gatewayRateLimited: 'tenantry_gateway_rate_limited_total',
  gatewayAuthRefusals: 'tenantry_gateway_auth_refusals_total',
  gatewayUpstreamConnections: 'tenantry_gateway_upstream_connections_total',
} as const satisfies Record<keyof typeof MetricNames, string>;

export const PrometheusLabels = {
  service: 'service',
  route: 'http_route',
  method: 'http_request_method',
  statusClass: 'http_response_status_class',
  cacheStatus: 'cache_status',
  rateLimitPolicy: 'rate_limit_policy',
  refusalReason: 'refusal_reason',
  upstreamService: 'upstream_service',
} as const satisfies Record<keyof typeof MetricAttributes, string>;

/** Value of the route attribute when no route matched (404s, body errors before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Latency buckets in seconds: sub-millisecond (cache hits) up to 10 s, so p50/p95/p99 of both a
 * 0.3 ms cached GET and a slow proxied call are resolvable.
 */
export const HTTP_DURATION_BUCKETS_SECONDS = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;
