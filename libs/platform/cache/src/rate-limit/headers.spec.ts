import { rateLimitHeaders } from './headers';
import { ALLOWED_UNLIMITED, type RateLimitDecision } from './rate-limiter';

describe('rateLimitHeaders', () => {
  it('when both policies are limited, then RateLimit-Policy and RateLimit list them as structured-field items, minute first', () => {
    const decision: RateLimitDecision = {
      allowed: true,
      policies: [
        { name: 'minute', limit: 100, windowSeconds: 60, remaining: 42, resetSeconds: 17 },
        { name: 'day', limit: 1000, windowSeconds: 86_400, remaining: 958, resetSeconds: 43_200 },
      ],
    };
    expect(rateLimitHeaders(decision)).toEqual({
      'RateLimit-Policy': '"minute";q=100;w=60, "day";q=1000;w=86400',
      RateLimit: '"minute";r=42;t=17, "day";r=958;t=43200',
    });
  });

  it('when a request is refused, then Retry-After says when to come back, in whole seconds', () => {
    const decision: RateLimitDecision = {
      allowed: false,
      refusedBy: 'day',
      retryAfterSeconds: 3600,
      policies: [{ name: 'day', limit: 1000, windowSeconds: 82_800, remaining: 0, resetSeconds: 3600 }],
    };
    expect(rateLimitHeaders(decision)).toEqual({
      'RateLimit-Policy': '"day";q=1000;w=82800',
      RateLimit: '"day";r=0;t=3600',
      'Retry-After': '3600',
    });
  });

  it('when nothing is limited, then no rate-limit header is sent', () => {
    expect(rateLimitHeaders(ALLOWED_UNLIMITED)).toEqual({});
    expect(rateLimitHeaders({ allowed: true, degraded: true, policies: [] })).toEqual({});
  });

  it('when the limiter refuses because its store is down (fail-closed), then only Retry-After is sent', () => {
    expect(rateLimitHeaders({ allowed: false, degraded: true, retryAfterSeconds: 1, policies: [] })).toEqual({ 'Retry-After': '1' });
  });
});
