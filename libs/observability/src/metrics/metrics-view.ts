import { z } from 'zod';
import { percentile, ROLLUP_BOUNDS_MS } from '../ingest/histogram';
import type { Series } from '../ingest/rollup.collection';
import { round } from '../slos/slo-math';

const percentileSchema = z
  .object({
    upper_bound_ms: z
      .number()
      .nullable()
      .describe('The histogram bucket holding the percentile ends here: the true value is at most this (null: above the last bound, 10 s)'),
    lower_bound_ms: z.number().describe('…and above this'),
  })
  .nullable();

export const trafficSchema = z.object({
  request_count: z.number().int(),
  error_count: z.number().int().describe('5xx answers'),
  client_error_count: z.number().int().describe('4xx answers, 429 included'),
  rate_limited_count: z.number().int(),
  cache_hit_count: z.number().int(),
  cache_hit_ratio: z
    .number()
    .nullable()
    .describe("Answers from the gateway's response cache / requests (a GET route's hit ratio); null without requests"),
  error_rate: z.number().nullable().describe('5xx / requests; null without requests'),
  avg_latency_ms: z.number().nullable(),
  max_latency_ms: z.number(),
  p95_latency_ms: percentileSchema,
  p99_latency_ms: percentileSchema,
});
export type Traffic = z.output<typeof trafficSchema>;

export const windowInfoSchema = {
  window: z.string(),
  from: z.string(),
  to: z.string(),
  latency_bucket_bounds_ms: z.array(z.number()).describe('Upper bounds of the merged histograms the percentiles come from'),
  exact: z.boolean().describe('False when the window start falls in a rollup coarser than its resolution (older than 3 days: hours)'),
};

export function trafficOf(series: Series): Traffic {
  return {
    request_count: series.requests,
    error_count: series.errors,
    client_error_count: series.client_errors,
    rate_limited_count: series.rate_limited,
    cache_hit_count: series.cache_hits,
    cache_hit_ratio: series.requests === 0 ? null : round(series.cache_hits / series.requests),
    error_rate: series.requests === 0 ? null : round(series.errors / series.requests),
    avg_latency_ms: series.requests === 0 ? null : round(series.latency_sum / series.requests),
    max_latency_ms: series.latency_max,
    p95_latency_ms: percentile(series.buckets, 0.95),
    p99_latency_ms: percentile(series.buckets, 0.99),
  };
}

export const BOUNDS = [...ROLLUP_BOUNDS_MS];
