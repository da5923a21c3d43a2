import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import type { RouteTraffic, UsageBatch } from './metric-recorded';

const count = z.number().int().nonnegative();

const routeTrafficSchema = z.object({
  service: z.string(),
  route: z.string(),
  method: z.string(),
  request_count: count,
  error_count: count,
  client_error_count: count,
  cache_hit_count: count,
  rate_limited_count: count,
  latency_sum_ms: z.number().nonnegative(),
  latency_max_ms: z.number().nonnegative(),
  latency_bounds_ms: z.array(z.number().positive()),
  latency_buckets: z.array(count),
});

/** A tenant's traffic on one local day, per route: the sum of every `metric.recorded` batch of that day. */
export const usageDaysCollection = defineCollection({
  name: 'assistant_usage_days',
  schema: z.object({
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    routes: z.array(routeTrafficSchema),
  }),
  indexes: [{ fields: { tenantId: 1, day: 1 } }],
});

export type UsageDay = Stored<z.output<typeof usageDaysCollection.schema>>;
export type UsageDayRepository = TenantScopedRepository<
  z.output<typeof usageDaysCollection.schema>,
  z.input<typeof usageDaysCollection.schema>
>;

export const usageDayId = (tenantId: string, day: string): string => `usage:${tenantId}:${day}`;

/** Adds a batch to a day. Addition commutes, so batches may arrive in any order (redeliveries are stopped before, by event id). */
export function addBatch(routes: readonly RouteTraffic[], batch: UsageBatch): RouteTraffic[] {
  const merged = routes.map((route) => ({ ...route, latency_buckets: [...route.latency_buckets] }));
  for (const incoming of batch.routes) {
    const existing = merged.find(
      (route) => route.service === incoming.service && route.route === incoming.route && route.method === incoming.method,
    );
    if (!existing) {
      merged.push({ ...incoming, latency_buckets: [...incoming.latency_buckets] });
      continue;
    }
    existing.request_count += incoming.request_count;
    existing.error_count += incoming.error_count;
    existing.client_error_count += incoming.client_error_count;
    existing.cache_hit_count += incoming.cache_hit_count;
    existing.rate_limited_count += incoming.rate_limited_count;
    existing.latency_sum_ms += incoming.latency_sum_ms;
    existing.latency_max_ms = Math.max(existing.latency_max_ms, incoming.latency_max_ms);
    mergeHistogram(existing, incoming);
  }
  return merged.sort((a, b) => `${a.service} ${a.route} ${a.method}`.localeCompare(`${b.service} ${b.route} ${b.method}`));
}

/**
 * Adds `incoming`'s latency counts into `into`'s buckets. Reporters normally share bounds; when they do
 * not, each count goes to the first bucket whose bound is at least the incoming one's (percentiles then
 * err on the slow side, never the fast one).
 */
function mergeHistogram(into: RouteTraffic, incoming: RouteTraffic): void {
  incoming.latency_buckets.forEach((countInBucket, i) => {
    const bound = incoming.latency_bounds_ms[i] ?? Number.POSITIVE_INFINITY;
    let target = into.latency_bounds_ms.findIndex((existing) => existing >= bound);
    if (target < 0) target = into.latency_bounds_ms.length;
    into.latency_buckets[target] = (into.latency_buckets[target] ?? 0) + countInBucket;
  });
}
