import { z } from 'zod';
import { isoDateTimeSchema, metadataSchema, planIdSchema, tenantIdSchema, tenantStatusSchema, timeZoneSchema } from './common';

const tenantNameSchema = z.string().trim().min(1).max(200);

/**
 * The tenant's per-tenant revision after the write that emitted the event (the tenant document's
 * version). Tenant events travel on three topics, so a consumer sees them in any order: the revision
 * tells it which fact is newer. Optional only for events written before it existed.
 */
const tenantRevisionSchema = z.number().int().positive().optional();

export const tenantCreatedV1 = z.object({
  tenant_id: tenantIdSchema,
  name: tenantNameSchema,
  subscription_tier: planIdSchema,
  status: tenantStatusSchema,
  timezone: timeZoneSchema,
  billing_email: z.email().optional(),
  metadata: metadataSchema.optional(),
  trial_ends_at: isoDateTimeSchema.optional(),
  created_at: isoDateTimeSchema,
  revision: tenantRevisionSchema,
});

/** Only the fields that changed; `billing_email: null` means it was removed. */
export const tenantUpdatedV1 = z.object({
  tenant_id: tenantIdSchema,
  changes: z
    .object({
      name: tenantNameSchema.optional(),
      timezone: timeZoneSchema.optional(),
      billing_email: z.email().nullable().optional(),
      metadata: metadataSchema.optional(),
    })
    .refine((changes) => Object.values(changes).some((value) => value !== undefined), { message: 'At least one change' }),
  updated_at: isoDateTimeSchema,
  revision: tenantRevisionSchema,
});

export const tenantStatusChangedV1 = z
  .object({
    tenant_id: tenantIdSchema,
    from: tenantStatusSchema,
    to: tenantStatusSchema,
    reason: z.string().max(500).optional(),
    changed_by: z.enum(['admin', 'system']),
    changed_at: isoDateTimeSchema,
    revision: tenantRevisionSchema,
  })
  .refine((change) => change.from !== change.to, { message: 'from and to must differ', path: ['to'] });

/**
 * Lets the gateway drop a revoked key from its caches at once. Carries the key's id and its public
 * prefix only, never the key or its hash.
 */
export const tenantApiKeyRevokedV1 = z.object({
  tenant_id: tenantIdSchema,
  key_id: z.string().min(1).max(128),
  key_prefix: z.string().max(16).optional(),
  reason: z.enum(['revoked', 'rotated', 'tenant_cancelled']),
  revoked_at: isoDateTimeSchema,
});
