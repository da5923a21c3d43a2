import { z } from 'zod';
import { isoDateTimeSchema, planIdSchema, tenantIdSchema, tenantStatusSchema, timeZoneSchema } from '../events/schemas/common';

/** Path of the tenants service's internal endpoint that resolves an API key id for the gateway. */
export const resolveApiKeyPath = (keyId: string): string => `/internal/v1/api-keys/${encodeURIComponent(keyId)}`;

/**
 * The answer of `GET /internal/v1/api-keys/{keyId}` (tenants service, callers with the `service` role
 * only): what the gateway needs to authenticate a key and apply its tenant's plan. The hash lets the
 * gateway verify the presented key itself; the plaintext key never leaves the client and the gateway.
 */
export const resolvedApiKeySchema = z.object({
  keyId: z.string().min(1).max(128),
  tenantId: tenantIdSchema,
  /** SHA-256 (hex) of the full plaintext key. */
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.string().max(64)).max(64),
  revokedAt: isoDateTimeSchema.nullable(),
  expiresAt: isoDateTimeSchema.nullable(),
  tenant: z.object({
    id: tenantIdSchema,
    status: tenantStatusSchema,
    subscriptionTier: planIdSchema,
    /** The revision of the last subscription event applied to the tier (0 before any): the gateway keeps whichever is newer, this or an event it consumed itself. */
    subscriptionRevision: z.number().int().nonnegative(),
    timezone: timeZoneSchema,
  }),
});
export type ResolvedApiKey = z.output<typeof resolvedApiKeySchema>;
