import { route, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { actingFor, tenantQuery } from '../access';
import { FINISHED_STATUSES } from '../tasks/task.collection';
import { taskView, taskViewSchema } from '../tasks/task-view';
import type { Tasks } from '../tasks/tasks';
import { TASKS_PATH } from '../tasks/tasks.routes';

/** How long a quick action waits for its task before answering 202 with the task's location. */
export const DEFAULT_QUICK_WAIT_MS = 3_000;
const POLL_MS = 50;

const quickBody = z.strictObject({ parameters: z.record(z.string(), z.unknown()).default({}) }).meta({ id: 'QuickAction' });

const QUICK_ACTIONS = [
  {
    path: '/quick-actions/analyze',
    action: 'analyze_usage',
    summary: 'Analyse your usage now: the result if ready within a few seconds, else 202 with the task',
  },
  {
    path: '/quick-actions/optimize-costs',
    action: 'optimize_costs',
    summary: 'Right-size your plan now: the result if ready within a few seconds, else 202 with the task',
  },
] as const;

/** Create + run + wait briefly: the one-call form of the two most asked-for tasks. */
export function quickActionRoutes(deps: { tasks: Tasks; idempotent: IdempotentWrapper; waitMs?: number }): Router {
  const router = Router();
  const waitMs = deps.waitMs ?? DEFAULT_QUICK_WAIT_MS;
  for (const quick of QUICK_ACTIONS) {
    router.post(
      quick.path,
      route(
        { query: tenantQuery, body: quickBody.optional(), doc: { summary: quick.summary, idempotent: true, response: taskViewSchema } },
        deps.idempotent(async ({ query, body }, req, res) => {
          const acting = actingFor(req, query.tenant_id);
          const created = await deps.tasks.create(
            acting.tenantId,
            acting.planId,
            {
              action: quick.action,
              parameters: body?.parameters ?? {},
              execute: true,
            },
            acting.role,
          );
          const deadline = Date.now() + waitMs;
          let task = created;
          while (!FINISHED_STATUSES.includes(task.status) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
            task = await deps.tasks.get(acting.tenantId, created.id);
          }
          res.location(`${TASKS_PATH}/${task.id}`);
          if (!FINISHED_STATUSES.includes(task.status)) res.status(202);
          return taskView(task);
        }),
      ),
    );
  }
  return router;
}
