import { type Cache, InMemoryCache } from '@tenantry/cache';
import pino from 'pino';
import { ResponseCache } from '../response-cache';
import type { CacheOutcome, CacheableRequest, ResponseCacheOptions, UpstreamResponse } from '../types';

export function buildRequest(overrides: Partial<CacheableRequest> = {}): CacheableRequest {
  return { tenantId: 'tenant-a', method: 'GET', path: '/api/v1/monetization/plans', query: '', headers: {}, ...overrides };
}

export function buildResponse(overrides: Partial<UpstreamResponse> = {}): UpstreamResponse {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"plans":[]}'), ...overrides };
}

/** A test clock (epoch ms) that only moves when told to. */
export class FakeClock {
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.current;
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
}

/** An upstream that answers `respond(callNumber)` and counts its calls. */
export function fakeUpstream(respond: (call: number) => UpstreamResponse | Promise<UpstreamResponse> = () => buildResponse()) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: (): Promise<UpstreamResponse> => {
      calls += 1;
      return Promise.resolve(respond(calls));
    },
  };
}

/** A promise with its resolve/reject exposed, to hold an upstream call open. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const silentLogger = pino({ level: 'silent' });

export interface TestCache {
  responseCache: ResponseCache;
  cache: Cache;
  clock: FakeClock;
  outcomes: CacheOutcome[];
}

/** A ResponseCache on an in-memory cache sharing one fake clock, with the production defaults unless overridden. */
export function buildResponseCache(overrides: Partial<ResponseCacheOptions> & { clock?: FakeClock } = {}): TestCache {
  const clock = overrides.clock ?? new FakeClock();
  const cache = overrides.cache ?? new InMemoryCache({ now: clock.now });
  const outcomes: CacheOutcome[] = [];
  const responseCache = new ResponseCache({
    cache,
    logger: silentLogger,
    enabled: true,
    now: clock.now,
    onOutcome: (outcome) => outcomes.push(outcome),
    ...overrides,
  });
  return { responseCache, cache, clock, outcomes };
}
