import { eventually, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { type CacheHealth, CacheUnavailableError } from '../cache';
import { FallbackRateLimiter } from './fallback-rate-limiter';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';
import type { RateLimitDecision, RateLimiter, RateLimiterStatus, RateLimitFallbackMode, RateLimitRequest } from './rate-limiter';

/** A shared store that can be switched off: counts like the real one while up, rejects like ioredis while down. */
class SwitchableStore implements RateLimiter {
  up = true;
  consumeCalls = 0;
  healthChecks = 0;
  failure: Error = new CacheUnavailableError('Redis is unavailable (connection reconnecting)');
  private readonly counts: InMemoryRateLimiter;

  constructor(now: () => number) {
    this.counts = new InMemoryRateLimiter({ now });
  }

  async consume(request: RateLimitRequest): Promise<RateLimitDecision> {
    this.consumeCalls += 1;
    if (!this.up) throw this.failure;
    return this.counts.consume(request);
  }

  async health(): Promise<CacheHealth> {
    this.healthChecks += 1;
    return this.up ? { status: 'up', latencyMs: 1 } : { status: 'down', detail: 'connection reconnecting' };
  }

  status(): RateLimiterStatus {
    return { backend: 'redis', degraded: false, since: new Date(0).toISOString() };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setUp(mode?: RateLimitFallbackMode) {
  const clock = { now: Date.parse('2025-06-02T10:00:00Z') };
  const store = new SwitchableStore(() => clock.now);
  const limiter = new FallbackRateLimiter({
    primary: store,
    logger: pino({ level: 'silent' }),
    probeIntervalMs: 1000,
    now: () => clock.now,
    ...(mode && { mode }),
  });
  const request = (perMinute: number | 'unlimited' = 3): RateLimitRequest => ({
    tenantId: uniqueName('tenant'),
    limits: { perMinute, perDay: 1000 },
    timezone: 'UTC',
  });
  return { clock, store, limiter, request };
}

describe('FallbackRateLimiter', () => {
  it('when the shared store answers, then its decisions pass through unmarked and the status names it', async () => {
    const { store, limiter, request } = setUp();
    const decision = await limiter.consume(request());
    expect(decision.allowed).toBe(true);
    expect(decision.degraded).toBeUndefined();
    expect(store.consumeCalls).toBe(1);
    expect(limiter.status()).toMatchObject({ backend: 'redis', degraded: false, fallbackMode: 'per-process' });
  });

  it('when the store becomes unreachable, then the limits still hold per process and every decision says degraded', async () => {
    const { clock, store, limiter, request } = setUp();
    store.up = false;
    const tenant = request(3);

    const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.consume(tenant)));

    expect(decisions.map((decision) => [decision.allowed, decision.degraded])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [false, true],
      [false, true],
    ]);
    expect(decisions[3]).toMatchObject({
      refusedBy: 'minute',
      retryAfterSeconds: 60,
      policies: [{ name: 'minute', remaining: 0 }, { name: 'day' }],
    });
    expect(limiter.status()).toEqual({
      backend: 'per-process',
      degraded: true,
      since: new Date(clock.now).toISOString(),
      fallbackMode: 'per-process',
    });
  });

  it('while degraded, then requests do not touch the store, and it is probed at most once per interval', async () => {
    const { clock, store, limiter, request } = setUp();
    store.up = false;
    await limiter.consume(request());
    const callsWhenDown = store.consumeCalls;

    for (let index = 0; index < 100; index += 1) await limiter.consume(request());
    expect(store.consumeCalls).toBe(callsWhenDown);
    expect(store.healthChecks).toBe(0);

    clock.now += 1000;
    for (let index = 0; index < 100; index += 1) await limiter.consume(request());
    await eventually(() => store.healthChecks === 1, { description: 'one probe' });
    for (let index = 0; index < 100; index += 1) await limiter.consume(request());
    expect(store.healthChecks).toBe(1);
    expect(limiter.status().degraded).toBe(true);
  });

  it('when the store is back, then the next probe switches back and decisions are shared again', async () => {
    const { clock, store, limiter, request } = setUp();
    store.up = false;
    await limiter.consume(request());
    store.up = true;

    clock.now += 1000;
    expect((await limiter.consume(request())).degraded).toBe(true);
    await eventually(() => !limiter.status().degraded, { description: 'the limiter to switch back' });

    const decision = await limiter.consume(request());
    expect(decision.degraded).toBeUndefined();
    expect(limiter.status()).toEqual({
      backend: 'redis',
      degraded: false,
      since: new Date(clock.now).toISOString(),
      fallbackMode: 'per-process',
    });
  });

  it('when nothing is being limited, then reading the status is enough to notice the store is back', async () => {
    const { clock, store, limiter, request } = setUp();
    store.up = false;
    await limiter.consume(request());
    store.up = true;
    clock.now += 1000;
    await eventually(() => !limiter.status().degraded, { description: '/health to see the store back' });
  });

  it('when the limiter fails open, then everything is allowed while the store is down, with no policies to report', async () => {
    const { store, limiter, request } = setUp('fail-open');
    store.up = false;
    const tenant = request(1);
    const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.consume(tenant)));
    expect(decisions).toEqual(Array(5).fill({ allowed: true, degraded: true, policies: [] }));
    expect(limiter.status()).toMatchObject({ backend: 'none', degraded: true, fallbackMode: 'fail-open' });
  });

  it('when the limiter fails closed, then everything is refused as unavailable (no policy to blame) with a Retry-After', async () => {
    const { store, limiter, request } = setUp('fail-closed');
    store.up = false;
    expect(await limiter.consume(request())).toEqual({ allowed: false, degraded: true, retryAfterSeconds: 1, policies: [] });
    expect(limiter.status()).toMatchObject({ backend: 'none', degraded: true, fallbackMode: 'fail-closed' });
  });

  it('when the store fails for another reason than being unreachable, then the error surfaces and the limiter does not degrade', async () => {
    const { store, limiter, request } = setUp();
    store.up = false;
    store.failure = new Error('ERR Error running script: attempt to compare nil with number');
    await expect(limiter.consume(request())).rejects.toThrow('ERR Error running script');
    expect(limiter.status().degraded).toBe(false);
  });
});
