import { planOf, plansByRank, type PlanId } from '@tenantry/contracts';
import { z } from 'zod';
import type { RouteTraffic } from '../../read-models/metric-recorded';
import { addBatch } from '../../read-models/usage-day.collection';
import { defineAction } from '../action';
import { round } from '../analyze-usage/statistics';
import { daysBetween, windowStart } from '../daily-series';
import { bucketLabel, histogramQuantile, type HistogramQuantile } from './histogram';

export const optimizePerformanceParameters = z.strictObject({
  lookback_days: z.number().int().min(1).max(90).default(7),
  /** A GET route carrying at least this share of the calls is a caching candidate … */
  cache_min_share_of_requests: z.number().min(0).max(1).default(0.2),
  /** … when less than this share of its calls was served from the cache. */
  cache_max_hit_share: z.number().min(0).max(1).default(0.5),
});
export type OptimizePerformanceParameters = z.output<typeof optimizePerformanceParameters>;

/** Average days per month (365.25 / 12). */
const DAYS_PER_MONTH = 30.4375;
const P95 = 0.95;

interface OptimizePerformanceInputs {
  /** The days with data in the window, oldest first. */
  days: Array<{ day: string; routes: RouteTraffic[] }>;
  from: string;
  to: string;
  plan_id: PlanId | null;
}

export const optimizePerformance = defineAction({
  name: 'optimize_performance',
  summary:
    'Where you hit your rate limit (routes and days, 429 share), p95 latency per route from the latency histograms (with the bucket it falls in), and suggestions derived from those figures, with the rule behind each',
  parameters: optimizePerformanceParameters,
  requiredFeature: 'ai_assistant',
  reads: ['usage per day and route, with latency histograms (metric.recorded)', 'plan (subscription.*)', 'plan catalog'],
  async load(context, parameters, tracker): Promise<OptimizePerformanceInputs> {
    await context.progress(10, 'reading usage and plan');
    const [days, plan] = await Promise.all([
      context.models.usageOf(context.tenantId, tracker, windowStart(context.now, parameters.lookback_days)),
      context.models.planOf(context.tenantId, tracker),
    ]);
    const to = context.now.toISOString().slice(0, 10);
    const from = windowStart(to, parameters.lookback_days);
    return {
      days: days.filter((d) => d.day >= from && d.day <= to).map((d) => ({ day: d.day, routes: d.routes })),
      from,
      to,
      plan_id: plan?.plan_id ?? context.planId ?? null,
    };
  },
  compute: (inputs, parameters) => performanceReport(inputs, parameters),
});

const routeLabel = (r: Pick<RouteTraffic, 'method' | 'route'>) => `${r.method} ${r.route}`;
const share = (part: number, whole: number) => (whole === 0 ? 0 : round(part / whole, 4));

function routeFigures(r: RouteTraffic, allRequests: number) {
  return {
    service: r.service,
    method: r.method,
    route: r.route,
    requests: r.request_count,
    share_of_requests: share(r.request_count, allRequests),
    errors: r.error_count,
    rate_limited: r.rate_limited_count,
    rate_limited_share: share(r.rate_limited_count, r.request_count),
    cache_hits: r.cache_hit_count,
    cache_hit_share: share(r.cache_hit_count, r.request_count),
    mean_latency_ms: r.request_count === 0 ? null : round(r.latency_sum_ms / r.request_count),
    max_latency_ms: r.latency_max_ms,
    latency_bounds_ms: r.latency_bounds_ms,
    p95: p95Of(r),
  };
}
type RouteFigures = ReturnType<typeof routeFigures>;

function p95Of(traffic: RouteTraffic): HistogramQuantile | null {
  return histogramQuantile(traffic.latency_bounds_ms, traffic.latency_buckets, P95);
}

export function performanceReport(inputs: OptimizePerformanceInputs, parameters: OptimizePerformanceParameters) {
  // Every day's routes summed per route, and every route summed into one (histograms re-binned on the first bounds seen).
  const routes = inputs.days.reduce<RouteTraffic[]>((sum, day) => addBatch(sum, { tenant_id: '', day: day.day, routes: day.routes }), []);
  const all = addBatch([], { tenant_id: '', day: '', routes: routes.map((r) => ({ ...r, service: '*', route: '*', method: '*' })) })[0];
  const requests = all?.request_count ?? 0;
  const rateLimited = all?.rate_limited_count ?? 0;
  const overallP95 = all ? p95Of(all) : null;

  const perRoute = routes
    .map((r) => routeFigures(r, requests))
    .sort((a, b) => b.requests - a.requests || routeLabel(a).localeCompare(routeLabel(b)));

  const rateLimitedDays = inputs.days
    .map((d) => {
      const dayRequests = d.routes.reduce((s, r) => s + r.request_count, 0);
      const dayLimited = d.routes.reduce((s, r) => s + r.rate_limited_count, 0);
      return {
        day: d.day,
        requests: dayRequests,
        rate_limited: dayLimited,
        rate_limited_share: share(dayLimited, dayRequests),
        routes: d.routes.filter((r) => r.rate_limited_count > 0).map(routeLabel),
      };
    })
    .filter((d) => d.rate_limited > 0);

  const daysWithData = inputs.days.length === 0 ? 0 : daysBetween(inputs.days[0]?.day as string, inputs.to) + 1;
  const upgrade = upgradeRule(inputs.plan_id, requests, rateLimited, daysWithData);
  const suggestions = [
    ...rateLimitSuggestions(upgrade, perRoute, rateLimitedDays),
    ...latencySuggestions(perRoute, overallP95),
    ...cacheSuggestions(perRoute, parameters),
  ];

  return {
    inputs: {
      lookback_days: parameters.lookback_days,
      from: inputs.from,
      to: inputs.to,
      plan_id: inputs.plan_id,
      days_with_data: inputs.days.length,
    },
    overall: {
      requests,
      rate_limited: rateLimited,
      rate_limited_share: share(rateLimited, requests),
      mean_latency_ms: all && requests ? round(all.latency_sum_ms / requests) : null,
      p95: overallP95,
    },
    routes: perRoute,
    rate_limited_days: rateLimitedDays,
    upgrade_rule: upgrade,
    suggestions,
    notes: [
      'metric.recorded carries counts and cache hits per route, not request keys: how often the same request repeats cannot be measured, so caching candidates come from volume and cache hit share.',
      ...(requests === 0 ? [`No usage recorded from ${inputs.from} to ${inputs.to}.`] : []),
    ],
    summary:
      requests === 0
        ? 'No usage in the window: nothing to tune.'
        : `${requests} requests on ${perRoute.length} route(s); ${rateLimited} rate limited (${round(share(rateLimited, requests) * 100)} %)` +
          (overallP95 ? `; p95 latency ${bucketLabel(overallP95)}` : '') +
          `. ${suggestions.length} suggestion(s).`,
    method:
      'Per route over the window: counts summed, latency histograms added bucket by bucket. p95: the bucket holding the 95th percentile request (cumulative counts), ' +
      'estimated by linear interpolation inside it; in the last bucket (+Inf) only its lower bound is known. ' +
      'Upgrade rule: the refused calls are worth the current plan’s overage price; upgrading pays when they would cost more a month than the step to the next plan: ' +
      `threshold X = (next monthly price − current monthly price) ÷ (overage price per call × requests per month), requests per month = requests per day since the first day with data × ${DAYS_PER_MONTH}; upgrade when the 429 share ≥ X. ` +
      `Latency: a route whose p95 bucket lies wholly above the bucket of all routes' p95. Caching: a GET route with ≥ ${parameters.cache_min_share_of_requests * 100} % of the calls and < ${parameters.cache_max_hit_share * 100} % cache hits.`,
  };
}

function upgradeRule(planId: PlanId | null, requests: number, rateLimited: number, days: number) {
  const observed = share(rateLimited, requests);
  if (planId === null) return { applies: false as const, reason: 'no plan known for the tenant', observed_rate_limited_share: observed };
  const current = planOf(planId);
  const next = plansByRank().find((p) => p.rank > current.rank);
  if (!next)
    return {
      applies: false as const,
      reason: `${current.name} is the highest plan`,
      plan_id: planId,
      observed_rate_limited_share: observed,
    };
  if (current.overagePerThousandCallsCents === null || requests === 0)
    return {
      applies: false as const,
      reason: requests === 0 ? 'no requests in the window' : `${current.name} has no overage price to value refused calls with`,
      plan_id: planId,
      observed_rate_limited_share: observed,
    };
  const stepCents = next.prices.monthly - current.prices.monthly;
  const requestsPerMonth = (requests / days) * DAYS_PER_MONTH;
  const breakEvenCalls = (stepCents * 1000) / current.overagePerThousandCallsCents;
  const threshold = breakEvenCalls / requestsPerMonth;
  const recommend = rateLimited > 0 && observed >= threshold;
  return {
    applies: true as const,
    plan_id: planId,
    next_plan_id: next.id,
    price_step_cents_per_month: stepCents,
    overage_cents_per_1000_calls: current.overagePerThousandCallsCents,
    requests_per_month: round(requestsPerMonth),
    break_even_refused_calls_per_month: round(breakEvenCalls),
    threshold_share: round(threshold, 4),
    observed_rate_limited_share: observed,
    recommend_upgrade: recommend,
    rule:
      `Upgrade to ${next.name} when 429s exceed ${round(threshold * 100)} % of requests: ${stepCents} cents a month more buys ${round(breakEvenCalls)} calls at ${current.overagePerThousandCallsCents} cents per 1,000, ` +
      `out of ${round(requestsPerMonth)} requests a month` +
      (threshold >= 1 ? ' (above 100 %: at this volume an upgrade never pays for the refused calls alone).' : '.'),
  };
}

type Suggestion = { kind: 'upgrade' | 'smooth_bursts' | 'latency' | 'cache'; route: string | null; suggestion: string };

function rateLimitSuggestions(
  upgrade: ReturnType<typeof upgradeRule>,
  routes: readonly RouteFigures[],
  days: ReadonlyArray<{ day: string; rate_limited: number }>,
): Suggestion[] {
  const limited = routes.filter((r) => r.rate_limited > 0).sort((a, b) => b.rate_limited - a.rate_limited);
  if (limited.length === 0) return [];
  const worst = limited[0] as RouteFigures;
  const where = `${worst.rate_limited} of ${worst.requests} calls to ${routeLabel(worst)} were refused (429) on ${days.length} day(s)`;
  if (upgrade.applies && upgrade.recommend_upgrade)
    return [
      {
        kind: 'upgrade',
        route: null,
        suggestion: `${round(upgrade.observed_rate_limited_share * 100)} % of your calls were refused, above the ${round(upgrade.threshold_share * 100)} % at which ${upgrade.next_plan_id} pays for itself: upgrade (${where}).`,
      },
    ];
  return limited.map((r) => ({
    kind: 'smooth_bursts' as const,
    route: routeLabel(r),
    suggestion:
      `${r.rate_limited} of ${r.requests} calls to ${routeLabel(r)} (${round(r.rate_limited_share * 100)} %) were refused` +
      (upgrade.applies ? `, below the ${round(upgrade.threshold_share * 100)} % at which an upgrade pays` : '') +
      ': spread bursts and retry after the Retry-After delay rather than at once.',
  }));
}

function latencySuggestions(routes: readonly RouteFigures[], overall: HistogramQuantile | null): Suggestion[] {
  if (!overall || overall.bucket_upper_ms === null) return [];
  const limit = overall.bucket_upper_ms;
  return routes
    .filter((r) => r.p95 !== null && r.p95.bucket_lower_ms >= limit)
    .map((r) => ({
      kind: 'latency' as const,
      route: routeLabel(r),
      suggestion: `${routeLabel(r)} has its p95 in ${bucketLabel(r.p95 as HistogramQuantile)} (max ${r.max_latency_ms} ms) against ${bucketLabel(overall)} for all your calls: look at what it asks for (page size, filters) on this route first.`,
    }));
}

function cacheSuggestions(routes: readonly RouteFigures[], parameters: OptimizePerformanceParameters): Suggestion[] {
  return routes
    .filter(
      (r) =>
        r.method === 'GET' &&
        r.share_of_requests >= parameters.cache_min_share_of_requests &&
        r.cache_hit_share < parameters.cache_max_hit_share,
    )
    .map((r) => ({
      kind: 'cache' as const,
      route: routeLabel(r),
      suggestion: `${routeLabel(r)} carries ${round(r.share_of_requests * 100)} % of your calls and ${round(r.cache_hit_share * 100)} % were cache hits: keep its responses on your side between changes instead of asking again.`,
    }));
}
