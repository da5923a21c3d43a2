import { NotFoundError, tenantIdSchema, type PlanId } from '@tenantry/contracts';
import { identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { RollupReader } from '../ingest/rollup-reader';
import type { MaintenanceWindows } from '../maintenance/exclusion';
import type { SloDefinition } from '../slo-definitions/definitions';
import { canonicalService } from './service-names';
import { sloStatus, type SloStatus } from './slo-status';

const budgetSchema = z.object({
  total: z.number().describe('Bad events the objective allows: (1 − objective) × valid events'),
  consumed: z.number().describe('Bad events so far'),
  remaining: z.number(),
  remaining_fraction: z.number().describe('remaining / total: 1 untouched, negative overspent'),
});

export const sloStatusSchema = z.object({
  slo: z.string(),
  service: z.string(),
  tenant_id: z.string().nullable(),
  sli_kind: z.enum(['availability', 'latency']),
  objective: z.number(),
  sli: z.number().nullable().describe('Over the rolling window: good / valid events; null without valid events'),
  valid_events: z.number(),
  bad_events: z.number(),
  excluded_minutes: z
    .number()
    .describe('Minutes of the rolling window inside maintenance windows: their events count neither good nor bad'),
  budget: budgetSchema,
  calendar_month: z.object({
    month: z.string(),
    timezone: z.string(),
    sli: z.number().nullable(),
    excluded_minutes: z.number().describe('Minutes of the month so far inside maintenance windows'),
    budget: budgetSchema,
  }),
  burn_rates: z.record(z.string(), z.number()).describe('Per window: (bad / valid) / (1 − objective)'),
  conditions: z.array(
    z.object({
      severity: z.enum(['page', 'ticket']),
      long_window: z.string(),
      short_window: z.string(),
      factor: z.number(),
      long_burn_rate: z.number(),
      short_burn_rate: z.number(),
      firing: z.boolean(),
    }),
  ),
  alerts_firing: z.array(z.enum(['page', 'ticket'])),
  exact: z.boolean(),
});

const slaResponseSchema = z.object({ service: z.string(), tenant_id: z.string().nullable(), slos: z.array(sloStatusSchema) });

export const SLI_DESCRIPTION =
  "Availability SLI = good / valid events: a 5xx answer is bad; 4xx answers (429 included) are the client's doing and are NOT valid events (they count neither for nor against the objective). Latency SLI = valid events answered within the threshold / valid events, from the merged histograms.";

export interface SloSource {
  definitions(): readonly SloDefinition[];
}

export interface TenantProfiles {
  /** The tenant's plan and IANA time zone as the read model knows them (null: unknown). */
  profileOf(tenantId: string): Promise<{ plan_id: PlanId | null; timezone: string } | null>;
}

/** The SLOs a request asks about: a service's own, or those of one tenant on that service. */
export async function subjectsFor(
  slos: SloSource,
  profiles: TenantProfiles,
  service: string,
  tenantId: string | null,
  planHint?: PlanId,
): Promise<{ definition: SloDefinition; tenant_id: string | null; timezone: string }[]> {
  const own = slos.definitions().filter((definition) => definition.scope === 'service' && definition.service === service);
  if (tenantId === null) return own.map((definition) => ({ definition, tenant_id: null, timezone: 'UTC' }));
  const profile = await profiles.profileOf(tenantId);
  const plan = profile?.plan_id ?? planHint ?? null;
  const timezone = profile?.timezone ?? 'UTC';
  // The plan's SLA is measured at the gateway, the tenant's one door; on other services the tenant sees its share of the service's SLOs.
  const sla =
    service === 'gateway' ? slos.definitions().filter((definition) => definition.scope === 'tenant' && definition.plan_id === plan) : [];
  return [...sla, ...own].map((definition) => ({ definition, tenant_id: tenantId, timezone }));
}

/** `GET /sla/{service}`. */
export function slaRoutes(deps: {
  reader: () => RollupReader;
  slos: SloSource;
  profiles: TenantProfiles;
  clock: () => Date;
  maintenance?: MaintenanceWindows;
}): Router {
  const router = Router();
  router.get(
    '/sla/:service',
    route(
      {
        params: z.object({ service: z.string().min(1).max(64) }),
        query: z.object({ tenant_id: tenantIdSchema.optional() }).strict(),
        doc: {
          summary:
            "A service's SLOs: objective, SLI, error budget (rolling window and calendar month), burn rate per window, alerts firing",
          description: `${SLI_DESCRIPTION} \`api-gateway\` is the gateway. A tenant key sees its own tenant's SLOs (its plan's SLA on the gateway); the admin sees the service's, or a tenant's with ?tenant_id=.`,
          response: slaResponseSchema,
        },
      },
      async ({ params, query }, req) => {
        const service = canonicalService(params.service);
        if (service === null) throw new NotFoundError(`Service ${params.service} is not known.`);
        const identity = identityOf(req);
        let tenantId: string | null = query.tenant_id ?? null;
        if (identity.role === 'tenant') {
          if (tenantId !== null && tenantId !== identity.tenantId) throw new NotFoundError(`Tenant ${tenantId} was not found.`);
          tenantId = identity.tenantId;
        }
        const subjects = await subjectsFor(
          deps.slos,
          deps.profiles,
          service,
          tenantId,
          identity.role === 'tenant' ? identity.planId : undefined,
        );
        const now = deps.clock();
        const reader = deps.reader();
        const maintenance = await deps.maintenance?.snapshot(now);
        const slos: SloStatus[] = await Promise.all(subjects.map((subject) => sloStatus(reader, subject, now, maintenance)));
        return { service, tenant_id: tenantId, slos };
      },
    ),
  );
  return router;
}
