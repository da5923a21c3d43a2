import { planIdSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/** At most this many schedules per tenant. */
export const MAX_SCHEDULES_PER_TENANT = 20;

/**
 * A tenant's recurring task: `action` with `parameters` whenever `cron` fires in `timezone`. The
 * scheduler creates the task of a due run and moves `next_run_at` by one conditional write; the task's
 * id is derived from (schedule, due time), so a run is created once across replicas and restarts.
 */
export const schedulesCollection = defineCollection({
  name: 'assistant_schedules',
  idPrefix: 'sch_',
  schema: z.object({
    action: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    cron: z.string(),
    timezone: z.string(),
    /** The plan and the caller the schedule was created by: its tasks are created as theirs. */
    plan_id: planIdSchema.optional(),
    requested_by: z.enum(['tenant', 'admin']),
    /** The schedule_tasks task that created it (a retried run of that task finds it again). */
    created_by_task: z.string(),
    next_run_at: z.date(),
    last_run_at: z.date().optional(),
    last_task_id: z.string().optional(),
    /** Why the last due run made no task (e.g. its parameters no longer validate). */
    last_error: z.string().optional(),
    runs: z.number().int().nonnegative(),
    /** Due times passed over because the scheduler was not running then (one run is made for the earliest). */
    skipped_runs: z.number().int().nonnegative(),
  }),
  indexes: [{ fields: { next_run_at: 1 } }, { fields: { tenantId: 1, created_by_task: 1 } }],
});

export type ScheduleFields = z.output<typeof schedulesCollection.schema>;
export type Schedule = Stored<ScheduleFields>;
export type ScheduleRepository = TenantScopedRepository<ScheduleFields, z.input<typeof schedulesCollection.schema>>;
