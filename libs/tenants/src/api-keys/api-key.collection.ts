import { apiKeyRevocationReasonSchema } from '@tenantry/contracts';
import { API_KEY_DOCUMENT_PREFIX } from '@tenantry/http';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * API keys, one document each, with id `key_<id>` taken from the key itself (see @tenantry/http
 * api-key-format), so the gateway resolves a presented key by id. Only the SHA-256 of the key is kept,
 * with its public prefix and last 4 characters for masked listings.
 */
export const apiKeysCollection = defineCollection({
  name: 'api_keys',
  idPrefix: API_KEY_DOCUMENT_PREFIX,
  schema: z.object({
    name: z.string().max(100).optional(),
    prefix: z.string().min(1).max(32),
    keyHash: z.string().regex(/^[0-9a-f]{64}$/),
    lastFour: z.string().length(4),
    scopes: z.array(z.string()),
    expiresAt: z.date().optional(),
    revokedAt: z.date().optional(),
    revokedReason: apiKeyRevocationReasonSchema.optional(),
    /** The key this one replaced by rotation. */
    rotatedFrom: z.string().optional(),
  }),
});

export type ApiKeyFields = z.output<typeof apiKeysCollection.schema>;
export type ApiKey = Stored<ApiKeyFields>;
export type ApiKeyRepository = TenantScopedRepository<ApiKeyFields, z.input<typeof apiKeysCollection.schema>>;
