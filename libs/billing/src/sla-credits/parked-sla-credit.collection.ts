import { defineCollection, type TenantScopedRepository } from '@tenantry/persistence';
import type { z } from 'zod';
import { pendingSlaCreditSchema } from './sla-credit-ledger';

/**
 * SLA credits whose tenant has no billing account yet (`sla.breached` travels on its own topic, so it may
 * overtake `tenant.created`). One document per report (id = report id, so a redelivery collides instead
 * of parking twice); moved onto the account once it exists, then deleted. Usually empty.
 */
export const parkedSlaCreditsCollection = defineCollection({
  name: 'billing_parked_sla_credits',
  schema: pendingSlaCreditSchema.omit({ reportId: true }),
});
export type ParkedSlaCreditRepository = TenantScopedRepository<z.output<typeof parkedSlaCreditsCollection.schema>>;
