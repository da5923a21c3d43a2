import type { PlanId } from '@tenantry/contracts';
import type { ReadModelEvent } from '../../read-models/follow-events';
import { subscribed } from '../../test-support/billing-events';
import { readModelEvent, runAction } from '../../test-support/run-action';
import { histogramQuantile } from './histogram';
import { optimizePerformance } from './optimize-performance';

const NOW = '2026-11-30T15:00:00.000Z';
const T = 'ten_perf';

interface Sample {
  method: string;
  route: string;
  requests: number;
  rateLimited?: number;
  cacheHits?: number;
  /** Counts in (0, 50], (50, 100], (100, 500], > 500 ms. */
  buckets: [number, number, number, number];
  max: number;
}

/** One `metric.recorded` batch of `day` with the given routes, on bounds 50 / 100 / 500 ms. */
const batch = (day: string, samples: Sample[]): ReadModelEvent =>
  readModelEvent('metric.recorded', T, {
    tenant_id: T,
    timezone: 'UTC',
    reporter: 'gateway-test',
    window: { start: `${day}T12:00:00.000Z`, end: `${day}T12:00:05.000Z` },
    latency_buckets_ms: [50, 100, 500],
    samples: samples.map((s) => ({
      service: 'tenants',
      route: s.route,
      method: s.method,
      request_count: s.requests,
      error_count: 0,
      client_error_count: s.rateLimited ?? 0,
      cache_hit_count: s.cacheHits ?? 0,
      rate_limited_count: s.rateLimited ?? 0,
      latency_ms: { sum: s.requests * 60, max: s.max, buckets: s.buckets },
    })),
    recorded_at: `${day}T12:00:05.000Z`,
  });

const GET = '/api/v1/tenants/:tenantId';
const POST = '/api/v1/tenants';
/** GET: 600 + 400 calls, mostly fast; POST: 100 calls on 11-29, 40 refused, 10 slower than 500 ms. */
const TRAFFIC = [
  batch('2026-11-29', [
    { method: 'GET', route: GET, requests: 600, buckets: [500, 60, 40, 0], max: 300 },
    { method: 'POST', route: POST, requests: 100, rateLimited: 40, buckets: [0, 0, 90, 10], max: 900 },
  ]),
  batch('2026-11-30', [{ method: 'GET', route: GET, requests: 400, buckets: [300, 80, 20, 0], max: 200 }]),
];
const run = (planId: PlanId, events: ReadModelEvent[], parameters: Record<string, unknown> = {}) =>
  runAction(optimizePerformance, [subscribed(T, planId, '2026-01-01T00:00:00.000Z'), ...events], { tenantId: T, now: NOW, parameters });

describe('histogram quantiles', () => {
  it.each([
    // cumulative 800, 940, 1000: rank 950 falls in (100, 500]: 100 + 400 × (950 − 940) / 60 = 166.67
    [[800, 140, 60, 0], 0.95, 100, 500, 166.67],
    // rank 95 of 100: cumulative 0, 0, 90, 100 → the +Inf bucket, above 500 ms, no estimate
    [[0, 0, 90, 10], 0.95, 500, null, null],
    // rank 5 of 10 in the first bucket (0, 50]: 0 + 50 × 5 / 10 = 25
    [[10, 0, 0, 0], 0.5, 0, 50, 25],
  ])('when the buckets are %j, then the %s quantile lies in (%i, %s] ms, estimated %s', (buckets, q, lower, upper, estimate) => {
    expect(histogramQuantile([50, 100, 500], buckets, q)).toMatchObject({
      bucket_lower_ms: lower,
      bucket_upper_ms: upper,
      estimate_ms: estimate,
    });
  });

  it('when the histogram is empty, then there is no quantile', () => {
    expect(histogramQuantile([50, 100, 500], [0, 0, 0, 0], 0.95)).toBeNull();
  });
});

describe('optimize_performance', () => {
  it('when a GET route carries most calls and a POST route is slow and refused, then each route shows its p95 bucket, 429 share and cache share', async () => {
    const result = await run('basic', TRAFFIC);
    // all routes: [800, 140, 150, 10] of 1,100 → rank 1,045 in (100, 500]: 100 + 400 × (1,045 − 940) / 150 = 380
    expect(result.overall).toMatchObject({
      requests: 1_100,
      rate_limited: 40,
      rate_limited_share: 0.0364,
      p95: { samples: 1_100, bucket_lower_ms: 100, bucket_upper_ms: 500, estimate_ms: 380 },
    });
    expect(
      result.routes.map((r) => [
        r.method,
        r.requests,
        r.share_of_requests,
        r.rate_limited_share,
        r.cache_hit_share,
        r.p95?.bucket_lower_ms,
        r.p95?.estimate_ms,
      ]),
    ).toEqual([
      ['GET', 1_000, 0.9091, 0, 0, 100, 166.67],
      ['POST', 100, 0.0909, 0.4, 0, 500, null],
    ]);
    expect(result.rate_limited_days).toEqual([
      { day: '2026-11-29', requests: 700, rate_limited: 40, rate_limited_share: 0.0571, routes: [`POST ${POST}`] },
    ]);
  });

  it.each([
    // basic → pro: 15,000 cents / (0.5 cent a call) = 30,000 calls; 1,100 calls in 2 days × 30.4375 = 16,740.63 a month → X = 1.792
    [
      'basic, few calls',
      'basic' as const,
      TRAFFIC,
      {
        next_plan_id: 'pro',
        break_even_refused_calls_per_month: 30_000,
        requests_per_month: 16_740.63,
        threshold_share: 1.792,
        observed_rate_limited_share: 0.0364,
        recommend_upgrade: false,
      },
    ],
    // 3,000 calls a day, 2,000 refused: 91,312.5 a month → X = 30,000 / 91,312.5 = 0.3285 < 0.6667 observed
    [
      'basic, mostly refused',
      'basic' as const,
      ['2026-11-29', '2026-11-30'].map((day) =>
        batch(day, [{ method: 'GET', route: GET, requests: 3_000, rateLimited: 2_000, buckets: [3_000, 0, 0, 0], max: 40 }]),
      ),
      {
        next_plan_id: 'pro',
        requests_per_month: 91_312.5,
        threshold_share: 0.3285,
        observed_rate_limited_share: 0.6667,
        recommend_upgrade: true,
      },
    ],
    // pro → enterprise: 80,000 cents / 0.3 cent = 266,666.67 calls; ÷ 16,740.625 a month = 15.92931 (above 100 %: never on price)
    [
      'pro',
      'pro' as const,
      TRAFFIC,
      {
        next_plan_id: 'enterprise',
        price_step_cents_per_month: 80_000,
        break_even_refused_calls_per_month: 266_666.67,
        threshold_share: 15.9293,
      },
    ],
  ])(
    'when the tenant is on %s, then the upgrade threshold X is computed from its volume and the catalog',
    async (_name, planId, events, expected) => {
      const result = await run(planId, events);
      expect(result.upgrade_rule).toMatchObject({ applies: true, ...expected });
    },
  );

  it('when the tenant is on the highest plan, then no upgrade rule applies and it says why', async () => {
    const result = await run('enterprise', TRAFFIC);
    expect(result.upgrade_rule).toEqual({
      applies: false,
      reason: 'Enterprise is the highest plan',
      plan_id: 'enterprise',
      observed_rate_limited_share: 0.0364,
    });
  });

  it('when the figures call for it, then the suggestions are: smooth the refused bursts, look at the slow route, cache the busy GET', async () => {
    const result = await run('basic', TRAFFIC);
    expect(result.suggestions.map((s) => [s.kind, s.route])).toEqual([
      ['smooth_bursts', `POST ${POST}`],
      ['latency', `POST ${POST}`],
      ['cache', `GET ${GET}`],
    ]);
    expect(result.suggestions[0]?.suggestion).toContain('40 of 100 calls to POST /api/v1/tenants (40 %) were refused, below the 179.2 %');
    expect(result.suggestions[1]?.suggestion).toContain('p95 in > 500 ms (max 900 ms) against (100, 500] ms');
    expect(result.suggestions[2]?.suggestion).toContain('carries 90.91 % of your calls and 0 % were cache hits');
  });

  it('when most calls are refused, then the suggestion is the upgrade; when the GET is mostly cached or below the share, then no cache suggestion', async () => {
    const refused = ['2026-11-29', '2026-11-30'].map((day) =>
      batch(day, [
        { method: 'GET', route: GET, requests: 3_000, rateLimited: 2_000, cacheHits: 1_800, buckets: [3_000, 0, 0, 0], max: 40 },
      ]),
    );
    const result = await run('basic', refused);
    expect(result.suggestions.map((s) => s.kind)).toEqual(['upgrade']);
    expect(result.suggestions[0]?.suggestion).toContain(
      '66.67 % of your calls were refused, above the 32.85 % at which pro pays for itself',
    );
    expect((await run('basic', TRAFFIC, { cache_min_share_of_requests: 0.95 })).suggestions.map((s) => s.kind)).not.toContain('cache');
  });

  it('when there is no usage in the window, then nothing is suggested and the answer says so', async () => {
    const result = await run('pro', [batch('2026-10-01', [{ method: 'GET', route: GET, requests: 10, buckets: [10, 0, 0, 0], max: 10 }])]);
    expect(result).toMatchObject({
      overall: { requests: 0, p95: null },
      routes: [],
      suggestions: [],
      summary: 'No usage in the window: nothing to tune.',
    });
    expect(result.notes).toContain('No usage recorded from 2026-11-24 to 2026-11-30.');
  });
});
