import { planIdSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/** The id of a tenant's one profile document: ids are unique across tenants, so it names the tenant. */
export const profileIdOf = (tenantId: string): string => `profile_${tenantId}`;

/**
 * What observability needs to know of a tenant: its plan (for its SLA) and its time zone (for its
 * calendar months), built from tenant.* and subscription.* events in any order: the plan follows the
 * highest subscription `revision` seen (tenant.created's tier is revision 0), the time zone the latest
 * event time that set it.
 */
export const tenantProfilesCollection = defineCollection({
  name: 'observability_tenant_profiles',
  schema: z.object({
    /** null: no subscription in force (cancelled). */
    plan_id: planIdSchema.nullable(),
    plan_revision: z.number().int().nonnegative(),
    timezone: z.string().min(1).max(64),
    /** ISO time of the event that set the time zone ('' when none did yet: UTC assumed). */
    timezone_at: z.string().max(40),
    /** Denormalised for listing the tenants whose SLOs are evaluated. */
    has_sla: z.boolean(),
  }),
  indexes: [{ fields: { has_sla: 1 } }],
});

export type TenantProfileFields = z.output<typeof tenantProfilesCollection.schema>;
export type TenantProfile = Stored<TenantProfileFields>;
export type TenantProfileRepository = TenantScopedRepository<TenantProfileFields, z.input<typeof tenantProfilesCollection.schema>>;
