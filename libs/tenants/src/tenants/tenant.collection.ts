import { planIdSchema, tenantStatusSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * One document per tenant, whose tenant id is its own id: reads and writes are tenant-scoped like any
 * other, and the gateway's key resolution reads it by id (a point read, also on FerretDB).
 */
export const tenantsCollection = defineCollection({
  name: 'tenants',
  idPrefix: 'ten_',
  schema: z.object({
    name: z.string().min(1).max(200),
    status: tenantStatusSchema,
    /** The plan in force, as billing's subscription events say (see subscriptions/follow-subscriptions.ts). */
    subscriptionTier: planIdSchema,
    /** The revision of the last subscription event applied to the tier; 0 before any (and for documents older than the field). */
    subscriptionRevision: z.number().int().nonnegative().default(0),
    timezone: z.string().min(1).max(64),
    billingEmail: z.string().max(254).optional(),
    metadata: z.record(z.string(), z.string()),
    trialEndsAt: z.date().optional(),
    statusReason: z.string().max(500).optional(),
    statusChangedAt: z.date().optional(),
  }),
  indexes: [{ fields: { status: 1 } }, { fields: { subscriptionTier: 1 } }],
});

export type TenantFields = z.output<typeof tenantsCollection.schema>;
export type Tenant = Stored<TenantFields>;
export type TenantRepository = TenantScopedRepository<TenantFields, z.input<typeof tenantsCollection.schema>>;
