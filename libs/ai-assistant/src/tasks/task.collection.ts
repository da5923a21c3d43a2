import { planIdSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

export const TASK_STATUSES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof taskStatusSchema>;
export const FINISHED_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * One automation task: the source of truth of the queue. Kafka only wakes workers up; who runs a task
 * is decided by conditional writes here (the lease), so a task runs to completion once.
 */
export const tasksCollection = defineCollection({
  name: 'assistant_tasks',
  idPrefix: 'tsk_',
  schema: z.object({
    action: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    status: taskStatusSchema,
    /** The plan the tenant was on when the task was created: its concurrency, and quotas when no subscription event was seen. */
    plan_id: planIdSchema.optional(),
    /** Who created the task; absent on tasks created before it was recorded (then: the tenant). */
    requested_by: z.enum(['tenant', 'admin']).optional(),
    progress: z.number().int().min(0).max(100),
    step: z.string(),
    /** Runs started (a retry or a takeover after an expired lease starts another). */
    attempts: z.number().int().nonnegative(),
    max_attempts: z.number().int().positive(),
    /** Not claimed before (backoff after a failed attempt). */
    not_before: z.date(),
    lease_owner: z.string().optional(),
    lease_until: z.date().optional(),
    cancel_requested: z.boolean(),
    result: z.unknown().optional(),
    cached: z.boolean().optional(),
    data_version: z.string().optional(),
    error: z.string().optional(),
    queued_at: z.date().optional(),
    started_at: z.date().optional(),
    finished_at: z.date().optional(),
  }),
  indexes: [{ fields: { tenantId: 1, status: 1 } }, { fields: { status: 1, lease_until: 1 } }],
});

export type TaskFields = z.output<typeof tasksCollection.schema>;
export type Task = Stored<TaskFields>;
export type TaskRepository = TenantScopedRepository<TaskFields, z.input<typeof tasksCollection.schema>>;
