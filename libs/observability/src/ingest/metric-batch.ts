import type { TenantryEventOf } from '@tenantry/contracts';

/**
 * The service's own view of a batch of samples, snake_case, whatever the producer's field names.
 * `metric.recorded` (the gateway's) and `POST /metrics/record` (services and agents) both become this.
 */
export interface MetricSampleInput {
  service: string;
  route: string;
  method: string;
  requests: number;
  /** 5xx answers. */
  errors: number;
  /** 4xx answers, 429 included. */
  client_errors: number;
  rate_limited: number;
  cache_hits: number;
  latency: { sum: number; max: number; buckets: number[] };
}

export interface MetricBatch {
  /** Identifies the batch for idempotency: the event id, or the recording's id. */
  id: string;
  tenant_id: string;
  /** Who aggregated it; batches from the gateway also count toward the `gateway` service's series. */
  reporter: string;
  via_gateway: boolean;
  window_start: Date;
  /** Upper bounds (ms, ascending) of the samples' latency buckets; the last bucket is +Inf. */
  latency_bounds_ms: number[];
  samples: MetricSampleInput[];
}

/**
 * THE one place that reads `metric.recorded` data (its fields are being renamed to snake_case): adapt
 * only this function when the event's shape changes.
 */
export function batchOfMetricRecorded(event: TenantryEventOf<'metric.recorded'>): MetricBatch {
  const data = event.data;
  return {
    id: event.id,
    tenant_id: data.tenant_id,
    reporter: data.reporter,
    via_gateway: true,
    window_start: new Date(data.window.start),
    latency_bounds_ms: [...data.latency_buckets_ms],
    samples: data.samples.map((sample) => ({
      service: sample.service,
      route: sample.route,
      method: sample.method,
      requests: sample.request_count,
      errors: sample.error_count,
      client_errors: sample.client_error_count,
      rate_limited: sample.rate_limited_count,
      cache_hits: sample.cache_hit_count,
      latency: { sum: sample.latency_ms.sum, max: sample.latency_ms.max, buckets: [...sample.latency_ms.buckets] },
    })),
  };
}
