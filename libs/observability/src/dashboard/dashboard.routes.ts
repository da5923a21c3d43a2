import { assertAdmin, identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { RollupReader } from '../ingest/rollup-reader';
import type { MaintenanceWindows } from '../maintenance/exclusion';
import { SERVICE_SHARD } from '../ingest/rollup.collection';
import { BOUNDS, trafficOf, trafficSchema } from '../metrics/metrics-view';
import { sloStatusSchema, type SloSource } from '../slos/sla.routes';
import { sloStatus } from '../slos/slo-status';

const HOUR_MS = 3_600_000;

const dashboardSchema = z.object({
  generated_at: z.string(),
  window: z.literal('1h'),
  latency_bucket_bounds_ms: z.array(z.number()),
  services: z.array(trafficSchema.extend({ service: z.string() })),
  slos: z.array(sloStatusSchema).describe('Every service SLO, the least error budget left first'),
  alerts_firing: z.array(z.object({ slo: z.string(), severity: z.enum(['page', 'ticket']) })),
});

/** `GET /dashboard`: one document a dashboard renders (admin): the last hour's traffic per service, SLOs worst first. */
export function dashboardRoutes(deps: {
  reader: () => RollupReader;
  slos: SloSource;
  clock: () => Date;
  maintenance?: MaintenanceWindows;
}): Router {
  const router = Router();
  router.get(
    '/dashboard',
    route(
      {
        doc: {
          summary: "The platform at a glance (admin): last hour's traffic per service and every service SLO, least budget left first",
          response: dashboardSchema,
        },
      },
      async (_input, req) => {
        assertAdmin(identityOf(req));
        const now = deps.clock();
        const reader = deps.reader();
        const { totals } = await reader.sum(SERVICE_SHARD, new Date(now.getTime() - HOUR_MS), now, now, null, (series) =>
          series.tenant_id === null ? series.service : null,
        );
        const definitions = deps.slos.definitions().filter((definition) => definition.scope === 'service');
        const maintenance = await deps.maintenance?.snapshot(now);
        const slos = await Promise.all(
          definitions.map((definition) => sloStatus(reader, { definition, tenant_id: null, timezone: 'UTC' }, now, maintenance)),
        );
        slos.sort((a, b) => a.budget.remaining_fraction - b.budget.remaining_fraction || a.slo.localeCompare(b.slo));
        return {
          generated_at: now.toISOString(),
          window: '1h' as const,
          latency_bucket_bounds_ms: BOUNDS,
          services: [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([service, series]) => ({ service, ...trafficOf(series) })),
          slos,
          alerts_firing: slos.flatMap((status) => status.alerts_firing.map((severity) => ({ slo: status.slo, severity }))),
        };
      },
    ),
  );
  return router;
}
