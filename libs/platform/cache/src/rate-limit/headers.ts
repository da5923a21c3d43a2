import type { RateLimitDecision } from './rate-limiter';

/** Header name → value, ready for `res.set(...)`; only the headers that apply are present. */
export interface RateLimitHeaderValues {
  'RateLimit-Policy'?: string;
  RateLimit?: string;
  'Retry-After'?: string;
}

/**
 * The IETF rate-limit headers for a decision, per draft-ietf-httpapi-ratelimit-headers-10 (September
 * 2025; -11 keeps this syntax): both fields are Structured Field Lists (RFC 9651) of Items whose value
 * is the policy name as an sf-string, e.g.
 *
 *   RateLimit-Policy: "minute";q=100;w=60, "day";q=1000;w=86400
 *   RateLimit: "minute";r=42;t=17, "day";r=958;t=43200
 *
 * `q` quota, `w` window (s), `r` remaining quota, `t` seconds until the window ends and the quota is
 * back. Unlimited policies are omitted (no field at all when none is limited). `Retry-After`
 * (delay-seconds) only on refusals: the end of the refusing window, so never earlier than its `t`
 * (§6). No `pk` partition key: it would only echo the caller's own tenant.
 */
export function rateLimitHeaders(decision: RateLimitDecision): RateLimitHeaderValues {
  const headers: RateLimitHeaderValues = {};
  const { policies } = decision;
  if (policies.length > 0) {
    let policy = '';
    let limit = '';
    for (const state of policies) {
      const separator = policy === '' ? '' : ', ';
      policy += `${separator}"${state.name}";q=${state.limit};w=${state.windowSeconds}`;
      limit += `${separator}"${state.name}";r=${state.remaining};t=${state.resetSeconds}`;
    }
    headers['RateLimit-Policy'] = policy;
    headers.RateLimit = limit;
  }
  if (!decision.allowed && decision.retryAfterSeconds !== undefined) headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}
