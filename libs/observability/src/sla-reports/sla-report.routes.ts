import { ConflictError, NotFoundError, tenantIdSchema } from '@tenantry/contracts';
import { assertAdmin, identityOf, paginationQuery, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { RollupReader } from '../ingest/rollup-reader';
import type { TenantProfileStore } from '../tenant-profiles/follow-tenants';
import { CLOSE_GRACE_MS, type SlaReport, type SlaReports } from './sla-reports';

const reportSchema = z.object({
  report_id: z.string(),
  tenant_id: z.string(),
  month: z.string(),
  timezone: z.string(),
  period: z.object({ start: z.string(), end: z.string() }),
  complete: z.boolean().describe('False while the month is not over: figures so far, nothing credited'),
  plan_id: z.string(),
  objective: z.number(),
  achieved: z.number().describe("Availability of the tenant's valid requests through the gateway (a month without traffic: 1)"),
  valid_requests: z.number(),
  failed_requests: z.number(),
  downtime_minutes: z.number().describe("(1 − achieved) × the month's minutes"),
  excluded_maintenance_minutes: z
    .number()
    .describe("Minutes of the month (so far) inside maintenance windows: the tenant's requests then count neither for nor against it"),
  maintenance_windows: z
    .array(
      z.object({
        id: z.string(),
        scope: z.enum(['platform', 'tenant', 'service']),
        reason: z.string(),
        excluded_minutes: z.number().describe('Of this window in the month (overlapping windows may sum to more than the total)'),
      }),
    )
    .describe('The maintenance windows that excluded them'),
  breached: z.boolean(),
  credit_percent: z.number(),
  monthly_fee_cents: z.number(),
  credit_cents: z.number(),
  currency: z.string(),
});

const periodSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');

const closedSchema = z.object({
  report: reportSchema,
  sla_breached: z
    .enum(['not_breached', 'emitted', 'already_emitted'])
    .describe(
      'emitted: this request emitted sla.breached (billing credits the next invoice); already_emitted: it was before (once per report)',
    ),
});

/** `GET /sla/report?period=YYYY-MM` and `POST /sla/report/{period}/close` (mounted before `/sla/{service}`). */
export function slaReportRoutes(deps: {
  reports: SlaReports;
  tenants: Pick<TenantProfileStore, 'pageWithSla' | 'profileOf'>;
  clock: () => Date;
  reader: () => RollupReader;
}): Router {
  const router = Router();
  router.get(
    '/sla/report',
    route(
      {
        query: paginationQuery.extend({ period: periodSchema }).strict(),
        doc: {
          summary:
            "Monthly SLA report per tenant (the calendar month in the tenant's time zone): achieved availability, downtime, credit owed",
          description: 'The admin gets every tenant on a plan with an SLA, paged; a tenant key its own report.',
          response: z.object({ period: z.string(), items: z.array(reportSchema), next_cursor: z.string().nullable() }),
        },
      },
      async ({ query }, req) => {
        const identity = identityOf(req);
        const now = deps.clock();
        const reader = deps.reader();
        const maintenance = await deps.reports.maintenanceAt(now);
        if (identity.role === 'tenant') {
          const profile = await deps.tenants.profileOf(identity.tenantId);
          const planId = profile?.plan_id ?? identity.planId ?? null;
          const report = planId
            ? await deps.reports.report(
                { tenant_id: identity.tenantId, plan_id: planId, timezone: profile?.timezone ?? 'UTC' },
                query.period,
                now,
                reader,
                maintenance,
              )
            : null;
          if (!report) throw new NotFoundError(`Tenant ${identity.tenantId} has no SLA on its plan.`);
          return { period: query.period, items: [report], next_cursor: null };
        }
        const page = await deps.tenants.pageWithSla(query.limit, query.cursor);
        const items = (
          await Promise.all(page.items.map((tenant) => deps.reports.report(tenant, query.period, now, reader, maintenance)))
        ).filter((report): report is SlaReport => report !== null);
        return { period: query.period, items, next_cursor: page.next_cursor };
      },
    ),
  );
  router.post(
    '/sla/report/:period/close',
    route(
      {
        params: z.object({ period: periodSchema }),
        body: z.object({ tenant_id: tenantIdSchema }).strict(),
        doc: {
          summary: "Close a tenant's month now (admin): its report, and sla.breached once when the SLA was missed",
          description:
            "The every-minute loop closes the month before now 15 minutes after it ends, with what had arrived by then. This closes any month that is over (and its 15 minutes of grace) on demand, e.g. after samples were recorded late: sla.breached is emitted at most once per report, whoever closes it. 409 while the month is not over in the tenant's time zone.",
          response: closedSchema,
        },
      },
      async ({ params, body }, req) => {
        assertAdmin(identityOf(req));
        const profile = await deps.tenants.profileOf(body.tenant_id);
        const tenant = profile?.plan_id ? { tenant_id: body.tenant_id, plan_id: profile.plan_id, timezone: profile.timezone } : null;
        const closing = tenant ? await deps.reports.closeMonth(tenant, params.period, deps.clock()) : null;
        if (!closing) throw new NotFoundError(`Tenant ${body.tenant_id} has no SLA on its plan.`);
        if (closing.sla_breached === 'open') {
          const closesAt = new Date(Date.parse(closing.report.period.end) + CLOSE_GRACE_MS).toISOString();
          throw new ConflictError(
            `${params.period} is not over for ${body.tenant_id} (${closing.report.timezone}): it can be closed from ${closesAt}.`,
          );
        }
        return { report: closing.report, sla_breached: closing.sla_breached };
      },
    ),
  );
  return router;
}
