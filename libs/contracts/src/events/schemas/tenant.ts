import { z } from 'zod';
import { isoDateTimeSchema, metadataSchema, planIdSchema, tenantIdSchema, tenantStatusSchema, timeZoneSchema } from './common';

const tenantNameSchema = z.string().trim().min(1).max(200);

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
});

export const tenantStatusChangedV1 = z
  .object({
    tenant_id: tenantIdSchema,
    from: tenantStatusSchema,
    to: tenantStatusSchema,
    reason: z.string().max(500).optional(),
    changed_by: z.enum(['admin', 'system']),
    changed_at: isoDateTimeSchema,
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
