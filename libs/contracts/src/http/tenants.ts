import { z } from 'zod';
import { apiKeyScopeSchema } from './api-key-scopes';
import { billingIntervalSchema, isoDateTimeSchema, planIdSchema, tenantStatusSchema, timeZoneSchema } from '../events/schemas/common';
import { changeTimingSchema } from '../events/schemas/subscription';
import { FEATURES, UNLIMITED, type PlanLimits } from '../plans/catalog';

/**
 * HTTP bodies of the tenants service (`/api/v1/tenants`), snake_case like the rest of the API (`metadata` keeps
 * the user's keys). Request schemas are strict: an
 * unknown field is a 400 naming it, never silently dropped. Response schemas are what clients (and the
 * gateway, for the internal key resolution) can parse.
 */

export const tenantNameSchema = z.string().trim().min(1).max(200);
export const billingEmailSchema = z.email().max(254);
/** Metadata keys start with a letter or digit (so no `__proto__`), at most 50 entries. */
export const tenantMetadataSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'Keys are 1-64 characters: letters, digits, _ . : - (starting with a letter or digit)'),
    z.string().max(512),
  )
  .refine((metadata) => Object.keys(metadata).length <= 50, { message: 'At most 50 metadata entries' });

export const createTenantRequestSchema = z.strictObject({
  name: tenantNameSchema,
  /** Default: the platform's DEFAULT_SUBSCRIPTION_TIER. */
  subscription_tier: planIdSchema.optional(),
  /** IANA time zone; quotas and usage days follow it. Default `UTC`. */
  timezone: timeZoneSchema.optional(),
  billing_email: billingEmailSchema.optional(),
  metadata: tenantMetadataSchema.optional(),
});
export type CreateTenantRequest = z.output<typeof createTenantRequestSchema>;

/** Only what is sent changes; `metadata` replaces the whole map; `settings.billing_email: null` removes it. */
export const updateTenantRequestSchema = z.strictObject({
  name: tenantNameSchema.optional(),
  metadata: tenantMetadataSchema.optional(),
  settings: z
    .strictObject({
      timezone: timeZoneSchema.optional(),
      billing_email: billingEmailSchema.nullable().optional(),
    })
    .optional(),
});
export type UpdateTenantRequest = z.output<typeof updateTenantRequestSchema>;

export const changeTenantStatusRequestSchema = z.strictObject({
  status: tenantStatusSchema,
  reason: z.string().trim().min(1).max(500).optional(),
});
export type ChangeTenantStatusRequest = z.output<typeof changeTenantStatusRequestSchema>;

/**
 * `POST /tenants/{id}/upgrade[?preview=true]`: a plan change, carried out by billing (its subscription
 * change). `timing` is for downgrades and interval changes (upgrades always apply at once).
 */
export const upgradeTenantRequestSchema = z.strictObject({
  subscription_tier: planIdSchema,
  billing_interval: billingIntervalSchema.optional(),
  timing: changeTimingSchema.optional(),
});
export type UpgradeTenantRequest = z.output<typeof upgradeTenantRequestSchema>;

export const listTenantsFilterSchema = z.strictObject({
  status: tenantStatusSchema.optional(),
  subscription_tier: planIdSchema.optional(),
});

export const createApiKeyRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  scopes: z
    .array(apiKeyScopeSchema)
    .max(32)
    .refine((scopes) => new Set(scopes).size === scopes.length, { message: 'Scopes must not repeat' })
    .optional(),
  /** When the key stops working; must be in the future. Default: never. */
  expires_at: isoDateTimeSchema.optional(),
});
export type CreateApiKeyRequest = z.output<typeof createApiKeyRequestSchema>;

// ---------------------------------------------------------------------------------------------------
// Responses

export const tenantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: tenantStatusSchema,
  subscription_tier: planIdSchema,
  settings: z.object({ timezone: z.string(), billing_email: z.string().nullable() }),
  metadata: z.record(z.string(), z.string()),
  trial_ends_at: isoDateTimeSchema.nullable(),
  status_reason: z.string().nullable(),
  status_changed_at: isoDateTimeSchema.nullable(),
  created_at: isoDateTimeSchema,
  updated_at: isoDateTimeSchema,
});
export type TenantView = z.output<typeof tenantViewSchema>;

export const apiKeyRevocationReasonSchema = z.enum(['revoked', 'rotated', 'tenant_cancelled']);

/** An API key as listed: never the key or its hash. */
export const apiKeyViewSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string().nullable(),
  /** `tnt_<id>`: the public part of the key. */
  prefix: z.string(),
  /** `tnt_<id>…<last 4>`. */
  masked_key: z.string(),
  scopes: z.array(z.string()),
  created_at: isoDateTimeSchema,
  expires_at: isoDateTimeSchema.nullable(),
  revoked_at: isoDateTimeSchema.nullable(),
  revoked_reason: apiKeyRevocationReasonSchema.nullable(),
});
export type ApiKeyView = z.output<typeof apiKeyViewSchema>;

/** A key just issued: the only response that ever carries `key`, the plaintext. */
export const createdApiKeySchema = apiKeyViewSchema.extend({ key: z.string() });
export type CreatedApiKey = z.output<typeof createdApiKeySchema>;

export const rotatedApiKeySchema = createdApiKeySchema.extend({ rotated_from: z.string() });

export const createTenantResponseSchema = z.object({ tenant: tenantViewSchema, api_key: createdApiKeySchema });
export type CreateTenantResponse = z.output<typeof createTenantResponseSchema>;

const limitSchema = z.union([z.number().int().nonnegative(), z.literal(UNLIMITED)]);

/** A plan's limits as clients read them (on `/features`, `/plans`). */
export const planLimitsViewSchema = z.object({
  api_calls_per_day: limitSchema,
  requests_per_minute: limitSchema,
  users: limitSchema,
  storage_bytes: limitSchema,
});
export type PlanLimitsView = z.output<typeof planLimitsViewSchema>;

export function toPlanLimitsView(limits: PlanLimits): PlanLimitsView {
  return {
    api_calls_per_day: limits.apiCallsPerDay,
    requests_per_minute: limits.requestsPerMinute,
    users: limits.users,
    storage_bytes: limits.storageBytes,
  };
}

export const tenantFeaturesResponseSchema = z.object({
  tenant_id: z.string(),
  subscription_tier: planIdSchema,
  features: z.object(
    Object.fromEntries(FEATURES.map((feature) => [feature, z.boolean()])) as Record<(typeof FEATURES)[number], z.ZodBoolean>,
  ),
  limits: planLimitsViewSchema,
  sla_target_percent: z.number().nullable(),
});
export type TenantFeaturesResponse = z.output<typeof tenantFeaturesResponseSchema>;

export const tenantUsageResponseSchema = z.object({
  tenant_id: z.string(),
  subscription_tier: planIdSchema,
  /** `day` (YYYY-MM-DD) and `month` (YYYY-MM) in the tenant's time zone. */
  period: z.object({ day: z.string(), month: z.string(), timezone: z.string() }),
  api_calls: z.object({
    today: z.object({ used: z.number().int().nonnegative(), limit: limitSchema, remaining: limitSchema }),
    month: z.object({ used: z.number().int().nonnegative() }),
  }),
  /** Not tracked yet: `used` is null rather than an invented number. */
  users: z.object({ used: z.null(), limit: limitSchema }),
  storage_bytes: z.object({ used: z.null(), limit: limitSchema }),
});
export type TenantUsageResponse = z.output<typeof tenantUsageResponseSchema>;

// The internal key resolution (`GET /internal/v1/api-keys/:keyId`) is `resolvedApiKeySchema` in ../internal.
