import { tenantIdSchema } from '@tenantry/contracts';
import { assertTenantAccess, identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { RollupReader } from '../ingest/rollup-reader';
import { routeShard, SERVICE_SHARD, tenantShard } from '../ingest/rollup.collection';
import { BOUNDS, trafficOf, trafficSchema, windowInfoSchema } from './metrics-view';
import { windowBounds, windowQuerySchema } from './window';

const servicesResponse = z.object({
  ...windowInfoSchema,
  tenant_id: z.string().nullable().describe('Set when a tenant key asked: the numbers are its own traffic only'),
  services: z.array(trafficSchema.extend({ service: z.string() })),
});

const routesResponse = z.object({
  ...windowInfoSchema,
  tenant_id: z.string(),
  routes: z.array(trafficSchema.extend({ service: z.string(), route: z.string(), method: z.string() })),
});

/** `GET /metrics` and `GET /metrics/tenant/{tenant_id}`. */
export function metricsRoutes(deps: { reader: () => RollupReader; clock: () => Date }): Router {
  const router = Router();

  router.get(
    '/metrics',
    route(
      {
        query: z.object({ window: windowQuerySchema }).strict(),
        doc: {
          summary: 'Request count, error rate and avg/p95/p99 latency per service over a window',
          description:
            'The admin sees the whole platform; a tenant key sees its own traffic only. `gateway` sums everything that came through the gateway. Percentiles are the bounds of the merged histogram bucket that holds them.',
          response: servicesResponse,
        },
      },
      async ({ query }, req) => {
        const identity = identityOf(req);
        const now = deps.clock();
        const { from, to } = windowBounds(query.window, now);
        const tenantId = identity.role === 'tenant' ? identity.tenantId : null;
        const { totals, exact } = await deps
          .reader()
          .sum(tenantId === null ? SERVICE_SHARD : tenantShard(tenantId), from, to, now, tenantId, (series) =>
            series.tenant_id === tenantId && series.route === null ? series.service : null,
          );
        const services = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([service, series]) => ({ service, ...trafficOf(series) }));
        return {
          window: query.window,
          from: from.toISOString(),
          to: to.toISOString(),
          latency_bucket_bounds_ms: BOUNDS,
          exact,
          tenant_id: tenantId,
          services,
        };
      },
    ),
  );

  router.get(
    '/metrics/tenant/:tenant_id',
    route(
      {
        params: z.object({ tenant_id: tenantIdSchema }),
        query: z.object({ window: windowQuerySchema }).strict(),
        doc: {
          summary: "One tenant's traffic per route (hour resolution at the window's edges)",
          description: 'A tenant key may only name its own tenant (another answers 404).',
          response: routesResponse,
        },
      },
      async ({ params, query }, req) => {
        assertTenantAccess(identityOf(req), params.tenant_id);
        const now = deps.clock();
        const { from, to } = windowBounds(query.window, now);
        const { totals, exact } = await deps
          .reader()
          .sum(
            routeShard(params.tenant_id),
            from,
            to,
            now,
            params.tenant_id,
            (series) =>
              series.tenant_id === params.tenant_id && series.route !== null
                ? `${series.service} ${series.method ?? ''} ${series.route}`
                : null,
            true,
          );
        const routes = [...totals]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([, series]) => ({ service: series.service, route: series.route ?? '', method: series.method ?? '', ...trafficOf(series) }));
        return {
          window: query.window,
          from: from.toISOString(),
          to: to.toISOString(),
          latency_bucket_bounds_ms: BOUNDS,
          exact,
          tenant_id: params.tenant_id,
          routes,
        };
      },
    ),
  );
  return router;
}
