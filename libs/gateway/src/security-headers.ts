import type { RequestHandler, Response } from 'express';

/**
 * The policy of API answers: JSON is never a document, so it may load nothing, run nothing and be framed
 * by nobody. A route that serves a page (GET /docs) relaxes it for itself with `relaxContentSecurityPolicy`.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** HSTS lifetime when the deployment is behind TLS: one year (RFC 6797 §6.1.1), subdomains included. */
const HSTS = 'max-age=31536000; includeSubDomains';

export interface SecurityHeadersOptions {
  /** GATEWAY_BEHIND_TLS: clients reach the gateway over HTTPS (TLS ends here or at a balancer in front). */
  behindTls: boolean;
}

/** The headers every gateway answer carries (also the raw 400s written for unparseable requests). */
export function securityHeaders(options: SecurityHeadersOptions): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': API_CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    ...(options.behindTls ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

/**
 * Sets them once, before anything answers (probes, problems, cache hits and proxied answers alike).
 * Whatever comes later may replace the Content-Security-Policy: a gateway route serving a page, or a
 * service answering with a policy of its own.
 */
export function securityHeadersMiddleware(options: SecurityHeadersOptions): RequestHandler {
  // Two arrays walked by index: no pair array destructured per header per request.
  const headers = securityHeaders(options);
  const names = Object.keys(headers);
  const values = names.map((name) => headers[name] as string);
  const count = names.length;
  return (_req, res, next) => {
    for (let index = 0; index < count; index += 1) res.setHeader(names[index] as string, values[index] as string);
    next();
  };
}

/** For a route that serves a page rather than JSON (the API reference): its own policy instead of the API's. */
export function relaxContentSecurityPolicy(res: Response, policy: string): void {
  res.setHeader('Content-Security-Policy', policy);
}
