import { NotFoundError } from '@tenantry/contracts';
import { route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { canonicalService } from '../slos/service-names';
import type { Prober } from './prober';

const serviceHealthSchema = z.object({
  service: z.string(),
  status: z.enum(['up', 'down', 'unknown']).describe('From the last probe of /ready (a timeout is down); unknown before the first'),
  since: z.string().nullable(),
  last_probe_at: z.string().nullable(),
  last_probe_latency_ms: z.number().nullable(),
  consecutive_failures: z.number().int(),
  uptime: z
    .object({ '1h': z.number().nullable(), '24h': z.number().nullable(), '30d': z.number().nullable() })
    .describe('Up probes / probes in the window (probe uptime, the SLI beside request availability)'),
});

const WINDOWS = { '1h': 3_600_000, '24h': 86_400_000, '30d': 30 * 86_400_000 } as const;

/** `GET /health` and `GET /health/{service}`: live health from the active probes. */
export function healthRoutes(deps: { prober: Prober; services: readonly string[]; clock: () => Date }): Router {
  const router = Router();
  const healthOf = async (service: string) => {
    const now = deps.clock();
    const [status, h1, h24, d30] = await Promise.all([
      deps.prober.status(service),
      deps.prober.uptime(service, WINDOWS['1h'], now),
      deps.prober.uptime(service, WINDOWS['24h'], now),
      deps.prober.uptime(service, WINDOWS['30d'], now),
    ]);
    return {
      service,
      status: status?.status ?? ('unknown' as const),
      since: status?.since ?? null,
      last_probe_at: status?.last_probe_at ?? null,
      last_probe_latency_ms: status?.last_latency_ms ?? null,
      consecutive_failures: status?.consecutive_failures ?? 0,
      uptime: { '1h': h1, '24h': h24, '30d': d30 },
    };
  };
  router.get(
    '/health',
    route(
      {
        doc: {
          summary: "Every service's live health from active probes of its /ready",
          response: z.object({ services: z.array(serviceHealthSchema) }),
        },
      },
      async () => ({
        services: await Promise.all(deps.services.map(healthOf)),
      }),
    ),
  );
  router.get(
    '/health/:service',
    route(
      {
        params: z.object({ service: z.string().min(1).max(64) }),
        doc: { summary: "One service's live health (`api-gateway` is the gateway)", response: serviceHealthSchema },
      },
      async ({ params }) => {
        const service = canonicalService(params.service);
        if (service === null) throw new NotFoundError(`Service ${params.service} is not known.`);
        return healthOf(service);
      },
    ),
  );
  return router;
}
