import { planIdSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/** A queued task as its lane lists it: enough to plan a claim and lease the task without reading it first. */
export const queueEntrySchema = z.object({
  task_id: z.string(),
  /** The task's version when it was queued: the lease is written only if the task is still that version (still queued, not cancelled). */
  version: z.number().int().positive(),
  /** The task's attempts so far (at that version): the lease counts one more. */
  attempts: z.number().int().nonnegative(),
  not_before: z.date(),
  plan_id: planIdSchema.optional(),
});
export type QueueEntry = z.output<typeof queueEntrySchema>;

/**
 * One tenant's lane of the queue: its queued tasks (ids, in queueing order), when a worker last took
 * from it (the round-robin order across tenants), and the slots taken by its tasks. A claim reads the
 * lanes with work (small documents, one per tenant) and leases the tasks it takes by `_id`, so its cost
 * does not grow with the tasks stored (on FerretDB 1.x any other read of the task collection decodes
 * every task ever stored). An entry may be stale (its task cancelled or taken meanwhile): the lease,
 * conditional on the entry's version, fails and the entry is dropped. A queued task without an entry
 * (its writer died between the two writes) is put back by the sweep (TaskQueue.sweep).
 *
 * Taking a slot is a conditional write on this document, which makes the per-plan concurrency exact
 * across every worker replica; giving one back writes nothing: a slot holds only while its task runs on
 * a live lease (or is being claimed), so a finished task's or a dead worker's slot frees itself, and the
 * next claim that needs the room drops it.
 */
export const lanesCollection = defineCollection({
  name: 'assistant_lanes',
  schema: z.object({
    /** Whether `queued` has entries (the claim's filter). */
    has_work: z.boolean(),
    last_claim_at: z.date(),
    /** Slots taken, some possibly of finished tasks (see TaskQueue.liveSlots): pruned by the claims that need their room. */
    running: z.array(z.object({ task_id: z.string(), reserved_at: z.date() })),
    /** The tenant's queued tasks, oldest first (lanes written before this field had none: their tasks come back through the sweep). */
    queued: z.array(queueEntrySchema).default([]),
    /** Some queued tasks of the tenant are not listed: the lane was full (TaskQueueOptions.maxListed) when they came. */
    overflow: z.boolean().default(false),
  }),
  indexes: [{ fields: { has_work: 1 } }],
});

export type Lane = Stored<z.output<typeof lanesCollection.schema>>;
export type LaneRepository = TenantScopedRepository<z.output<typeof lanesCollection.schema>, z.input<typeof lanesCollection.schema>>;

export const laneId = (tenantId: string): string => `lane:${tenantId}`;
