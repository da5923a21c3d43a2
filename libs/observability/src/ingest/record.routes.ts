import { ForbiddenError, tenantIdSchema } from '@tenantry/contracts';
import { identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { MetricBatch } from './metric-batch';
import type { RollupWriter } from './rollup-writer';

const count = z.number().int().nonnegative();
const MAX_WINDOW_MS = 5 * 60_000;

export const recordMetricsRequestSchema = z
  .object({
    batch_id: z.string().min(1).max(128).describe("The reporter's id for this batch: sending the same batch again counts it once"),
    tenant_id: tenantIdSchema.describe('Whose traffic it is'),
    window: z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) }).describe('At most 5 minutes'),
    latency_bucket_bounds_ms: z
      .array(z.number().positive())
      .min(1)
      .max(64)
      .describe("Upper bounds (inclusive, ascending) of the samples' latency buckets"),
    samples: z
      .array(
        z.object({
          service: z.string().min(1).max(64),
          route: z.string().min(1).max(256).describe('The route template, never a raw path'),
          method: z.string().min(1).max(16),
          request_count: count,
          error_count: count.describe('5xx answers'),
          client_error_count: count.describe('4xx answers, 429 included'),
          rate_limited_count: count.default(0),
          cache_hit_count: count.default(0),
          latency_ms: z.object({
            sum: z.number().nonnegative(),
            max: z.number().nonnegative(),
            buckets: z.array(count).describe('One more than the bounds: the last is +Inf'),
          }),
        }),
      )
      .min(1)
      .max(1000),
  })
  .strict()
  .superRefine((batch, ctx) => {
    const bounds = batch.latency_bucket_bounds_ms;
    if (bounds.some((bound, i) => i > 0 && bound <= (bounds[i - 1] ?? 0)))
      ctx.addIssue({ code: 'custom', message: 'Must be strictly ascending', path: ['latency_bucket_bounds_ms'] });
    const span = Date.parse(batch.window.end) - Date.parse(batch.window.start);
    if (!(span >= 0 && span <= MAX_WINDOW_MS))
      ctx.addIssue({ code: 'custom', message: 'end must be 0 to 5 minutes after start', path: ['window', 'end'] });
    batch.samples.forEach((sample, i) => {
      const { buckets } = sample.latency_ms;
      if (buckets.length !== bounds.length + 1)
        ctx.addIssue({ code: 'custom', message: `Needs ${bounds.length + 1} buckets`, path: ['samples', i, 'latency_ms', 'buckets'] });
      else if (buckets.reduce((sum, n) => sum + n, 0) !== sample.request_count)
        ctx.addIssue({
          code: 'custom',
          message: 'Bucket counts must add up to request_count',
          path: ['samples', i, 'latency_ms', 'buckets'],
        });
      if (sample.error_count + sample.client_error_count > sample.request_count)
        ctx.addIssue({ code: 'custom', message: 'More errors than requests', path: ['samples', i, 'error_count'] });
    });
  });

const recordedSchema = z.object({ batch_id: z.string(), samples: z.number().int(), requests: z.number().int() });

/** `POST /metrics/record`: the same samples as metric.recorded, from services and agents (admin or a service's signed identity). */
export function recordRoutes(deps: { writer: RollupWriter }): Router {
  const router = Router();
  router.post(
    '/metrics/record',
    route(
      {
        body: recordMetricsRequestSchema,
        doc: {
          summary: 'Record a batch of request samples (admin or a platform service)',
          description:
            "Merged into the same rollups as the gateway's metric.recorded events. Availability counts 5xx as bad; 4xx and 429 are not valid events. Re-sending a batch_id counts it once.",
          response: recordedSchema,
        },
      },
      async ({ body }, req) => {
        const identity = identityOf(req);
        if (identity.role === 'tenant')
          throw new ForbiddenError('Recording metrics requires the platform admin key or a platform service identity.');
        const reporter = identity.role === 'service' ? identity.service : 'admin';
        const batch: MetricBatch = {
          id: `record:${reporter}:${body.batch_id}`,
          tenant_id: body.tenant_id,
          reporter,
          via_gateway: false,
          window_start: new Date(body.window.start),
          latency_bounds_ms: body.latency_bucket_bounds_ms,
          samples: body.samples.map((sample) => ({
            service: sample.service,
            route: sample.route,
            method: sample.method,
            requests: sample.request_count,
            errors: sample.error_count,
            client_errors: sample.client_error_count,
            rate_limited: sample.rate_limited_count,
            cache_hits: sample.cache_hit_count,
            latency: sample.latency_ms,
          })),
        };
        await deps.writer.write([batch]);
        return {
          batch_id: body.batch_id,
          samples: body.samples.length,
          requests: body.samples.reduce((sum, sample) => sum + sample.request_count, 0),
        };
      },
    ),
  );
  return router;
}
