import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * The state of one burn-rate alert (SLO × subject × severity), scoped to its tenant (PLATFORM_SUBJECT for
 * a service's own SLO). A transition is ONE conditional write of this document carrying its event
 * (outbox): of two replicas evaluating the same minute, the second's write conflicts and it finds the
 * transition made; a restarted replica reads the state it left.
 */
export const alertStatesCollection = defineCollection({
  name: 'observability_alert_states',
  schema: z.object({
    alert_id: z.string().min(1).max(256),
    slo: z.string().min(1).max(128),
    severity: z.enum(['page', 'ticket']),
    firing: z.boolean(),
    /** ISO time of the last transition. */
    since: z.string().max(40),
  }),
});

export type AlertStateFields = z.output<typeof alertStatesCollection.schema>;
export type AlertState = Stored<AlertStateFields>;
export type AlertStateRepository = TenantScopedRepository<AlertStateFields, z.input<typeof alertStatesCollection.schema>>;
