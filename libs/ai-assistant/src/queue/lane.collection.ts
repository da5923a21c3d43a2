import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * One tenant's lane of the queue: whether it has queued work, when a worker last took from it (the
 * round-robin order across tenants), and the tasks it runs now (each slot expires with its lease, so a
 * dead worker's slot frees itself). Taking a slot is a conditional write on this document, which makes
 * the per-plan concurrency exact across every worker replica.
 */
export const lanesCollection = defineCollection({
  name: 'assistant_lanes',
  schema: z.object({
    has_work: z.boolean(),
    last_claim_at: z.date(),
    /** Slots taken: a slot is live while younger than the lease, and after that while its task holds a live lease. */
    running: z.array(z.object({ task_id: z.string(), reserved_at: z.date() })),
  }),
  indexes: [{ fields: { has_work: 1 } }],
});

export type Lane = Stored<z.output<typeof lanesCollection.schema>>;
export type LaneRepository = TenantScopedRepository<z.output<typeof lanesCollection.schema>, z.input<typeof lanesCollection.schema>>;

export const laneId = (tenantId: string): string => `lane:${tenantId}`;
