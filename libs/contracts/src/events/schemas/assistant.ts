import { z } from 'zod';
import { isoDateTimeSchema, tenantIdSchema } from './common';

/**
 * Events of the ai-assistant service (snake_case data). `task.queued` is a wake-up for the assistant's
 * workers: the task document is the source of truth (state, lease, attempts), so a lost or duplicated
 * wake-up delays or repeats nothing but a claim attempt.
 */
export const taskQueuedV1 = z.object({
  task_id: z.string().min(1).max(128),
  tenant_id: tenantIdSchema,
  action: z.string().min(1).max(64),
  /** 1 for the first run; a retry after a failure or an expired lease queues it again with the next attempt. */
  attempt: z.number().int().positive(),
  queued_at: isoDateTimeSchema,
});
