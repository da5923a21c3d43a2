import { defineCollection } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * One document per tenant and missed month, id = the report_id: inserting it carries sla.breached
 * (outbox), and a second insert (a replica, a restart, a re-run) conflicts, so the event is emitted once.
 */
export const slaBreachesCollection = defineCollection({
  name: 'observability_sla_breaches',
  schema: z.object({ report_id: z.string().min(1).max(200), month: z.string().max(7), credit_cents: z.number().int().nonnegative() }),
});
