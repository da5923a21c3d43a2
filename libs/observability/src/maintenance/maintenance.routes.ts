import { isoDateTimeSchema, tenantIdSchema, timeZoneSchema, ValidationFailedError, type FieldIssue } from '@tenantry/contracts';
import { assertAdmin, identityOf, pageSchema, paginationQuery, route, withQueryCursor } from '@tenantry/http';
import type { Filter } from '@tenantry/persistence';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { canonicalService } from '../slos/service-names';
import { intervalsOf } from './exclusion';
import {
  MAINTENANCE_SCOPE,
  MAINTENANCE_SCOPES,
  type MaintenanceWindow,
  type MaintenanceWindowFields,
  type MaintenanceWindowRepository,
} from './maintenance-window.collection';
import { ruleProblem } from './recurrence';

/** A week: a longer recurring window is a change freeze, not maintenance. */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;

const ruleSchema = z
  .object({
    rrule: z
      .string()
      .min(1)
      .max(1_000)
      .describe('RFC 5545: `DTSTART:<local date-time, no Z>` and an `RRULE:` line (FREQ HOURLY or coarser), read in `timezone`'),
    timezone: timeZoneSchema.describe('IANA time zone of DTSTART and of the rule (DST-aware)'),
    duration_minutes: z.number().int().min(1).max(MAX_DURATION_MINUTES).describe('Length of each occurrence, elapsed minutes'),
  })
  .strict();

const createSchema = z
  .object({
    scope: z
      .enum(MAINTENANCE_SCOPES)
      .describe('platform: every SLI; tenant: that tenant (one service of it with `service`); service: that service'),
    tenant_id: tenantIdSchema.optional().describe('Required for scope tenant, refused otherwise'),
    service: z.string().min(1).max(64).optional().describe('Required for scope service, optional for scope tenant, refused for platform'),
    starts_at: isoDateTimeSchema.optional().describe('One-off window: its start (with ends_at; not with rule)'),
    ends_at: isoDateTimeSchema.optional().describe('One-off window: its end, after starts_at'),
    rule: ruleSchema.optional().describe('Recurring window (instead of starts_at / ends_at)'),
    reason: z.string().trim().min(1).max(500),
  })
  .strict()
  .meta({
    examples: [
      {
        scope: 'platform',
        rule: { rrule: 'DTSTART:20261004T020000\nRRULE:FREQ=WEEKLY;BYDAY=SU', timezone: 'Europe/Ljubljana', duration_minutes: 120 },
        reason: 'Weekly database maintenance',
      },
    ],
  });

const windowSchema = z.object({
  id: z.string(),
  scope: z.enum(MAINTENANCE_SCOPES),
  tenant_id: z.string().nullable(),
  service: z.string().nullable(),
  starts_at: z.string().nullable(),
  ends_at: z.string().nullable(),
  rule: z.object({ rrule: z.string(), timezone: z.string(), duration_minutes: z.number() }).nullable(),
  reason: z.string(),
  created_at: z.string(),
});

const listQuery = paginationQuery
  .extend({
    scope: z.enum(MAINTENANCE_SCOPES).optional(),
    tenant_id: tenantIdSchema.optional(),
    service: z.string().min(1).max(64).optional(),
    active_at: isoDateTimeSchema.optional().describe('Only windows in force at this instant (a page may then hold fewer than `limit`)'),
  })
  .strict();

const idParams = z.object({ id: z.string().min(1).max(64) });

function viewOf(window: MaintenanceWindow): z.output<typeof windowSchema> {
  return {
    id: window.id,
    scope: window.scope,
    tenant_id: window.tenant_id ?? null,
    service: window.service ?? null,
    starts_at: window.starts_at ?? null,
    ends_at: window.ends_at ?? null,
    rule: window.rule ?? null,
    reason: window.reason,
    created_at: window.createdAt.toISOString(),
  };
}

/** The checks across fields a schema cannot name well; every problem at once, each naming its field. */
function windowOf(body: z.output<typeof createSchema>): MaintenanceWindowFields {
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => {
    issues.push({ field, message });
  };
  let service: string | undefined;
  if (body.service !== undefined) {
    service = canonicalService(body.service) ?? undefined;
    if (service === undefined) issue('service', `Unknown service ${body.service}`);
  }
  if (body.scope === 'tenant' && body.tenant_id === undefined) issue('tenant_id', 'Required for scope tenant');
  if (body.scope !== 'tenant' && body.tenant_id !== undefined) issue('tenant_id', `Only for scope tenant, not ${body.scope}`);
  if (body.scope === 'service' && body.service === undefined) issue('service', 'Required for scope service');
  if (body.scope === 'platform' && body.service !== undefined) issue('service', 'Not for scope platform');
  const oneOff = body.starts_at !== undefined || body.ends_at !== undefined;
  if (oneOff && body.rule) issue('rule', 'Either starts_at and ends_at (one-off) or rule (recurring), not both');
  else if (!oneOff && !body.rule) issue('starts_at', 'Give starts_at and ends_at (one-off) or rule (recurring)');
  else if (oneOff) {
    if (body.starts_at === undefined) issue('starts_at', 'Required with ends_at');
    else if (body.ends_at === undefined) issue('ends_at', 'Required with starts_at');
    else if (Date.parse(body.ends_at) <= Date.parse(body.starts_at)) issue('ends_at', 'Must be after starts_at');
  }
  if (body.rule) {
    const problem = ruleProblem(body.rule.rrule);
    if (problem) issue('rule.rrule', problem);
  }
  if (issues.length > 0) throw new ValidationFailedError('The maintenance window is not valid.', issues);
  return {
    scope: body.scope,
    ...(body.tenant_id === undefined ? {} : { tenant_id: body.tenant_id }),
    ...(service === undefined ? {} : { service }),
    ...(body.starts_at === undefined ? {} : { starts_at: new Date(body.starts_at).toISOString() }),
    ...(body.ends_at === undefined ? {} : { ends_at: new Date(body.ends_at).toISOString() }),
    ...(body.rule ? { rule: body.rule } : {}),
    reason: body.reason,
  };
}

/** Admin only, before the request is even parsed: a tenant key learns nothing about the body's shape. */
const adminOnly: RequestHandler = (req, _res, next) => {
  assertAdmin(identityOf(req));
  next();
};

/** `/maintenance-windows` (admin): create, list and delete maintenance windows. */
export function maintenanceRoutes(deps: { windows: MaintenanceWindowRepository }): Router {
  const router = Router();
  router.post(
    '/maintenance-windows',
    adminOnly,
    route(
      {
        body: createSchema,
        doc: {
          summary: 'Create a maintenance window (admin): its minutes are left out of SLIs, budgets, alerts and SLA reports',
          description:
            'Platform-wide, per tenant or per service; one-off (starts_at, ends_at) or recurring (an RFC 5545 RRULE in a time zone, each occurrence lasting duration_minutes). Requests inside a window count neither good nor bad.',
          status: 201,
          response: windowSchema,
        },
      },
      async ({ body }, _req, res) => {
        const created = await deps.windows.insert(MAINTENANCE_SCOPE, windowOf(body));
        res.status(201);
        return viewOf(created);
      },
    ),
  );
  router.get(
    '/maintenance-windows',
    adminOnly,
    route(
      {
        query: listQuery,
        doc: { summary: 'List maintenance windows (admin), oldest first, paged', response: pageSchema(windowSchema) },
      },
      async ({ query }) => {
        const filter: Filter<MaintenanceWindowFields> = {
          ...(query.scope ? { scope: query.scope } : {}),
          ...(query.tenant_id ? { tenant_id: query.tenant_id } : {}),
          ...(query.service ? { service: canonicalService(query.service) ?? query.service } : {}),
        };
        const page = await withQueryCursor(() =>
          deps.windows.list(MAINTENANCE_SCOPE, { filter, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
        );
        const at = query.active_at === undefined ? null : Date.parse(query.active_at);
        const items = at === null ? page.items : page.items.filter((window) => intervalsOf(window, at, at + 1).length > 0);
        return { items: items.map(viewOf), next_cursor: page.nextCursor };
      },
    ),
  );
  router.delete(
    '/maintenance-windows/:id',
    adminOnly,
    route({ params: idParams, doc: { summary: 'Delete a maintenance window (admin)', status: 204 } }, async ({ params }, _req, res) => {
      await deps.windows.delete(MAINTENANCE_SCOPE, params.id);
      res.status(204).end();
    }),
  );
  return router;
}
