import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * One tenant's lane of the queue: whether it has queued work, when a worker last took from it (the
 * round-robin order across tenants), and the slots taken by its tasks. Taking a slot is a conditional
 * write on this document, which makes the per-plan concurrency exact across every worker replica; giving
 * one back writes nothing: a slot holds only while its task runs on a live lease (or is being claimed),
 * so a finished task's or a dead worker's slot frees itself, and the next claim that needs the room drops it.
 */
export const lanesCollection = defineCollection({
  name: 'assistant_lanes',
  schema: z.object({
    has_work: z.boolean(),
    last_claim_at: z.date(),
    /** Slots taken, some possibly of finished tasks (see TaskQueue.liveSlots): pruned by the claims that need their room. */
    running: z.array(z.object({ task_id: z.string(), reserved_at: z.date() })),
  }),
  indexes: [{ fields: { has_work: 1 } }],
});

export type Lane = Stored<z.output<typeof lanesCollection.schema>>;
export type LaneRepository = TenantScopedRepository<z.output<typeof lanesCollection.schema>, z.input<typeof lanesCollection.schema>>;

export const laneId = (tenantId: string): string => `lane:${tenantId}`;
