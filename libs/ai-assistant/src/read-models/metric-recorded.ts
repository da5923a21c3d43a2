import { localDate, type TenantryEventOf } from '@tenantry/contracts';

/** One route's traffic in one batch, in the assistant's own (snake_case) terms. */
export interface RouteTraffic {
  service: string;
  route: string;
  method: string;
  request_count: number;
  error_count: number;
  client_error_count: number;
  cache_hit_count: number;
  rate_limited_count: number;
  latency_sum_ms: number;
  latency_max_ms: number;
  /** Upper bounds of the histogram's buckets; the last bucket (+Inf) has no bound. */
  latency_bounds_ms: number[];
  latency_buckets: number[];
}

export interface UsageBatch {
  tenant_id: string;
  /** The tenant's local day of the batch's window (UTC when the reporter named no time zone). */
  day: string;
  routes: RouteTraffic[];
}

/**
 * The ONE place that reads `metric.recorded` data (its field names are being moved to snake_case on
 * another branch: adapt only this function).
 */
export function usageBatchOf(event: TenantryEventOf<'metric.recorded'>): UsageBatch {
  const data = event.data;
  return {
    tenant_id: data.tenant_id,
    day: localDate(new Date(data.window.start), data.timezone ?? 'UTC'),
    routes: data.samples.map((sample) => ({
      service: sample.service,
      route: sample.route,
      method: sample.method,
      request_count: sample.request_count,
      error_count: sample.error_count,
      client_error_count: sample.client_error_count,
      cache_hit_count: sample.cache_hit_count,
      rate_limited_count: sample.rate_limited_count,
      latency_sum_ms: sample.latency_ms.sum,
      latency_max_ms: sample.latency_ms.max,
      latency_bounds_ms: [...data.latency_buckets_ms],
      latency_buckets: [...sample.latency_ms.buckets],
    })),
  };
}
