import { z } from 'zod';
import { type Task, taskStatusSchema } from './task.collection';

export const taskViewSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    action: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    status: taskStatusSchema,
    progress: z.number().int().min(0).max(100),
    step: z.string(),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    cancel_requested: z.boolean(),
    /** The worker replica holding the task's lease while it runs. */
    worker: z.string().nullable(),
    /** True when the result came from the cache: the same action and inputs on the same data (`data_version`). */
    cached: z.boolean().nullable(),
    data_version: z.string().nullable(),
    result: z.unknown().nullable(),
    /** The last attempt's error (a failed task's reason). */
    error: z.string().nullable(),
    created_at: z.string(),
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'AssistantTask' });
export type TaskView = z.output<typeof taskViewSchema>;

export function taskView(task: Task): TaskView {
  return {
    id: task.id,
    tenant_id: task.tenantId,
    action: task.action,
    parameters: task.parameters,
    status: task.status,
    progress: task.progress,
    step: task.step,
    attempts: task.attempts,
    max_attempts: task.max_attempts,
    cancel_requested: task.cancel_requested,
    worker: task.status === 'running' ? (task.lease_owner ?? null) : null,
    cached: task.cached ?? null,
    data_version: task.data_version ?? null,
    result: task.result ?? null,
    error: task.error ?? null,
    created_at: task.createdAt.toISOString(),
    queued_at: task.queued_at?.toISOString() ?? null,
    started_at: task.started_at?.toISOString() ?? null,
    finished_at: task.finished_at?.toISOString() ?? null,
  };
}
