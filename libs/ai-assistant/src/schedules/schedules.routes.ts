import { pageSchema, paginationQuery, route, withQueryCursor } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { actingFor, tenantQuery } from '../access';
import type { Schedule } from './schedule.collection';
import type { Schedules } from './schedules';

export const scheduleViewSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    /** The action each run creates a task of, with these parameters. */
    action: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    cron: z.string(),
    timezone: z.string(),
    next_run_at: z.string(),
    last_run_at: z.string().nullable(),
    /** The task of the last run (null when that run could not create one: see `last_error`). */
    last_task_id: z.string().nullable(),
    last_error: z.string().nullable(),
    /** Due times handled so far. */
    runs: z.number().int(),
    /** Due times passed over while no scheduler ran. */
    skipped_runs: z.number().int(),
    /** The schedule_tasks task that created it. */
    created_by_task: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'AssistantSchedule' });
export type ScheduleView = z.output<typeof scheduleViewSchema>;

export function scheduleView(schedule: Schedule): ScheduleView {
  return {
    id: schedule.id,
    tenant_id: schedule.tenantId,
    action: schedule.action,
    parameters: schedule.parameters,
    cron: schedule.cron,
    timezone: schedule.timezone,
    next_run_at: schedule.next_run_at.toISOString(),
    last_run_at: schedule.last_run_at?.toISOString() ?? null,
    last_task_id: schedule.last_task_id ?? null,
    last_error: schedule.last_error ?? null,
    runs: schedule.runs,
    skipped_runs: schedule.skipped_runs,
    created_by_task: schedule.created_by_task,
    created_at: schedule.createdAt.toISOString(),
  };
}

const scheduleParams = z.object({ id: z.string().min(1).max(128) });

/** `/schedules`: a tenant's schedules (created with the schedule_tasks action), listed and deleted; the admin names the tenant. */
export function scheduleRoutes(deps: { schedules: Schedules }): Router {
  const router = Router();

  router.get(
    '/schedules',
    route(
      {
        query: paginationQuery.extend(tenantQuery.shape),
        doc: {
          summary: 'List the tenant’s schedules, oldest first (create one with the schedule_tasks action)',
          response: pageSchema(scheduleViewSchema),
        },
      },
      async ({ query }, req) => {
        const tenantId = actingFor(req, query.tenant_id).tenantId;
        const page = await withQueryCursor(() => deps.schedules.list(tenantId, query));
        return { items: page.items.map(scheduleView), next_cursor: page.nextCursor };
      },
    ),
  );

  router.get(
    '/schedules/:id',
    route(
      {
        params: scheduleParams,
        query: tenantQuery,
        doc: { summary: 'Read a schedule: its next run, its last run and task', response: scheduleViewSchema },
      },
      async ({ params, query }, req) => scheduleView(await deps.schedules.get(actingFor(req, query.tenant_id).tenantId, params.id)),
    ),
  );

  router.delete(
    '/schedules/:id',
    route(
      { params: scheduleParams, query: tenantQuery, doc: { summary: 'Delete a schedule (its tasks already created stay)', status: 204 } },
      async ({ params, query }, req, res) => {
        await deps.schedules.delete(actingFor(req, query.tenant_id).tenantId, params.id);
        res.status(204).end();
      },
    ),
  );

  return router;
}
