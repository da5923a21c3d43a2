import { identityOf, pageSchema, paginationQuery, route, withQueryCursor, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { actingFor, tenantQuery } from '../access';
import { taskStatusSchema } from './task.collection';
import { taskView, taskViewSchema } from './task-view';
import type { Tasks } from './tasks';

export const TASKS_PATH = '/api/v1/ai-assistant/tasks';

const taskParams = z.object({ id: z.string().min(1).max(128) });
const createTaskBody = z
  .strictObject({
    action: z.string().min(1).max(64),
    /** Validated against the action's schema (GET /capabilities). */
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** false: create it `pending` and queue it later with POST /tasks/{id}/execute. */
    execute: z.boolean().default(true),
  })
  .meta({ id: 'CreateAssistantTask' });
const listQuery = paginationQuery
  .extend(tenantQuery.shape)
  .extend({ status: taskStatusSchema.optional(), action: z.string().min(1).max(64).optional() });

/** `/tasks`: create, read, list, execute and cancel automation tasks, always within one tenant. */
export function taskRoutes(deps: { tasks: Tasks; idempotent: IdempotentWrapper }): Router {
  const { tasks, idempotent } = deps;
  const router = Router();

  router.post(
    '/tasks',
    route(
      {
        query: tenantQuery,
        body: createTaskBody,
        doc: { summary: 'Create a task (queued at once unless execute is false)', status: 201, idempotent: true, response: taskViewSchema },
      },
      idempotent(async ({ query, body }, req, res) => {
        const acting = actingFor(req, query.tenant_id);
        const task = await tasks.create(acting.tenantId, acting.planId, body, acting.role);
        res.status(201).location(`${TASKS_PATH}/${task.id}`);
        return taskView(task);
      }),
    ),
  );

  router.get(
    '/tasks',
    route(
      {
        query: listQuery,
        doc: {
          summary: 'List tasks, newest first, filtered by status and action (the admin: all tenants unless tenant_id)',
          response: pageSchema(taskViewSchema),
        },
      },
      async ({ query }, req) => {
        const identity = identityOf(req);
        const page =
          identity.role === 'admin' && query.tenant_id === undefined
            ? await withQueryCursor(() => tasks.listAcrossTenants(query))
            : await withQueryCursor(() => tasks.list(actingFor(req, query.tenant_id).tenantId, query));
        return { items: page.items.map(taskView), next_cursor: page.nextCursor };
      },
    ),
  );

  router.get(
    '/tasks/:id',
    route(
      { params: taskParams, query: tenantQuery, doc: { summary: 'Read a task: status, progress, step, result', response: taskViewSchema } },
      async ({ params, query }, req) => taskView(await tasks.get(actingFor(req, query.tenant_id).tenantId, params.id)),
    ),
  );

  router.post(
    '/tasks/:id/execute',
    route(
      {
        params: taskParams,
        query: tenantQuery,
        doc: { summary: 'Queue a pending task (a queued or running one is returned as it is)', response: taskViewSchema },
      },
      async ({ params, query }, req, res) => {
        const task = await tasks.execute(actingFor(req, query.tenant_id).tenantId, params.id);
        res.status(202).location(`${TASKS_PATH}/${task.id}`);
        return taskView(task);
      },
    ),
  );

  router.post(
    '/tasks/:id/cancel',
    route(
      {
        params: taskParams,
        query: tenantQuery,
        doc: { summary: 'Cancel a task; a running one stops at its next step, on whichever worker runs it', response: taskViewSchema },
      },
      async ({ params, query }, req) => taskView(await tasks.cancel(actingFor(req, query.tenant_id).tenantId, params.id)),
    ),
  );

  return router;
}
