import type { ApiKeyView, CreatedApiKey } from '@tenantry/contracts';
import { maskApiKey } from '@tenantry/http';
import type { ApiKey } from './api-key.collection';

/** A key as listed: never the key, never its hash. */
export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    tenant_id: key.tenantId,
    name: key.name ?? null,
    prefix: key.prefix,
    masked_key: maskApiKey(key.prefix, key.lastFour),
    scopes: key.scopes,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    revoked_reason: key.revokedReason ?? null,
  };
}

/** A key just issued, with its plaintext: the one time it is shown. */
export function toCreatedApiKey(key: ApiKey, plaintext: string): CreatedApiKey {
  return { ...toApiKeyView(key), key: plaintext };
}

export function isActive(key: ApiKey, now: Date): boolean {
  return key.revokedAt === undefined && (key.expiresAt === undefined || key.expiresAt.getTime() > now.getTime());
}
