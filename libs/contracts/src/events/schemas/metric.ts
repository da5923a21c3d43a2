import { z } from 'zod';
import { isoDateTimeSchema, periodSchema, tenantIdSchema, timeZoneSchema } from './common';

const countSchema = z.number().int().nonnegative();

/**
 * The traffic of one tenant on one route in the batch's window, pre-aggregated by the gateway.
 * `route` is the route template (e.g. `/api/v1/tenants/:id`), never a raw path with ids or a query.
 */
export const metricSampleSchema = z.object({
  service: z.string().min(1).max(64),
  route: z.string().min(1).max(256),
  method: z.string().min(1).max(16),
  request_count: countSchema,
  /** 5xx responses (count against the SLO). */
  error_count: countSchema,
  /** 4xx responses. */
  client_error_count: countSchema,
  cache_hit_count: countSchema,
  rate_limited_count: countSchema,
  latency_ms: z.object({
    sum: z.number().nonnegative(),
    max: z.number().nonnegative(),
    /** Counts per bucket of the batch's `latency_buckets_ms`: one more than the bounds (the last is +Inf). */
    buckets: z.array(countSchema),
  }),
});

/**
 * A batch of usage/metric samples for ONE tenant (the event is keyed by tenant, so one tenant's
 * batches stay in order). The gateway flushes one event per tenant per window, so the event rate does
 * not grow with the request rate. Latency is a histogram, so consumers can merge batches and compute
 * percentiles; counts are exact, so metering (billing) can sum them.
 */
export const metricRecordedV1 = z
  .object({
    tenant_id: tenantIdSchema,
    /**
     * The tenant's IANA time zone as the reporter applied it (the gateway's daily quota): metering buckets
     * the batch into that local day, with no lookup and no race with the tenant's other events.
     */
    timezone: timeZoneSchema.optional(),
    /** The gateway (or service) instance that aggregated the batch. */
    reporter: z.string().min(1).max(128),
    window: periodSchema,
    /** Upper bounds (inclusive, ascending) of the latency buckets, shared by every sample. */
    latency_buckets_ms: z.array(z.number().positive()).min(1).max(64),
    samples: z.array(metricSampleSchema).min(1).max(1000),
    recorded_at: isoDateTimeSchema,
  })
  .superRefine((batch, ctx) => {
    const bounds = batch.latency_buckets_ms;
    if (bounds.some((bound, i) => i > 0 && bound <= (bounds[i - 1] ?? 0))) {
      ctx.addIssue({ code: 'custom', message: 'latency_buckets_ms must be strictly ascending', path: ['latency_buckets_ms'] });
    }
    batch.samples.forEach((sample, i) => {
      const { buckets } = sample.latency_ms;
      if (buckets.length !== bounds.length + 1) {
        ctx.addIssue({ code: 'custom', message: `needs ${bounds.length + 1} buckets`, path: ['samples', i, 'latency_ms', 'buckets'] });
      } else if (buckets.reduce((sum, count) => sum + count, 0) !== sample.request_count) {
        ctx.addIssue({
          code: 'custom',
          message: 'bucket counts must add up to request_count',
          path: ['samples', i, 'latency_ms', 'buckets'],
        });
      }
      if (sample.error_count + sample.client_error_count > sample.request_count) {
        ctx.addIssue({ code: 'custom', message: 'more errors than requests', path: ['samples', i, 'error_count'] });
      }
    });
  });
