import { RateLimitedError, UNLIMITED } from '@tenantry/contracts';
import type { RateLimiter } from '@tenantry/cache';

export interface FailedAuthenticationsOptions {
  /** Shared counters (the gateway's rate limiter: Redis, so every replica counts the same failures). */
  limiter: RateLimiter;
  /** GATEWAY_AUTH_FAILURES_PER_MINUTE: failed authentications one client address may have per minute. */
  perMinute: number;
  /** Limited addresses remembered at once (the oldest go first). Default 100 000. */
  maxTracked?: number;
  now?: () => number;
}

/**
 * Throttles credential guessing per client address: each failed authentication (unknown, revoked or
 * mismatched key, wrong admin key, no key) is counted in the rate limiter under `authfail:<address>`;
 * past the limit the address gets 429 with Retry-After until the minute window ends. While it is
 * limited, its requests are refused before authentication, so a guessed key id costs no lookup.
 * The refusal is remembered in this process; another replica learns it from the shared count on the
 * address's next failure there.
 */
export class FailedAuthentications {
  private readonly limitedUntil = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxTracked: number;

  constructor(private readonly options: FailedAuthenticationsOptions) {
    this.now = options.now ?? Date.now;
    this.maxTracked = options.maxTracked ?? 100_000;
  }

  /** Throws the 429 when the address is limited. Costs a Map lookup: no I/O. */
  assertNotLimited(address: string): void {
    const until = this.limitedUntil.get(address);
    if (until === undefined) return;
    const left = until - this.now();
    if (left <= 0) {
      this.limitedUntil.delete(address);
      return;
    }
    throw limited(Math.ceil(left / 1000));
  }

  /** Counts a failure; resolves to the 429 to answer instead of the 401 once the address is over its limit. */
  async recordFailure(address: string): Promise<RateLimitedError | undefined> {
    const decision = await this.options.limiter.consume({
      tenantId: `authfail:${address}`,
      limits: { perMinute: this.options.perMinute, perDay: UNLIMITED },
      timezone: 'UTC',
    });
    // Refused without a policy: the store is down and the limiter fails closed; that says nothing about this address.
    if (decision.allowed || decision.refusedBy === undefined) return undefined;
    const retryAfter = decision.retryAfterSeconds ?? 60;
    if (this.limitedUntil.size >= this.maxTracked) {
      const oldest = this.limitedUntil.keys().next();
      if (!oldest.done) this.limitedUntil.delete(oldest.value);
    }
    this.limitedUntil.delete(address);
    this.limitedUntil.set(address, this.now() + retryAfter * 1000);
    return limited(retryAfter);
  }
}

function limited(retryAfterSeconds: number): RateLimitedError {
  return new RateLimitedError(`Too many failed authentications from your address; retry in ${retryAfterSeconds} s.`, retryAfterSeconds, {
    policy: 'authentication',
  });
}
