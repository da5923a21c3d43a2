import {
  ConflictError,
  ForbiddenError,
  isApiKeyScope,
  NotFoundError,
  scopesAllow,
  ValidationFailedError,
  type ApiKeyView,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type ResolvedApiKey,
} from '@tenantry/contracts';
import { generateApiKey, withQueryCursor, type Identity, type Page } from '@tenantry/http';
import type { OutboxNotifier } from '@tenantry/event-bus';
import { tenantEvent } from '../events';
import { findTenantOrThrow } from '../tenants/find-tenant';
import type { TenantRepository } from '../tenants/tenant.collection';
import type { ApiKey, ApiKeyRepository } from './api-key.collection';
import { isActive, toApiKeyView, toCreatedApiKey } from './api-key-view';

/** Active (not revoked, not expired) keys a tenant may hold at once. */
export const MAX_ACTIVE_KEYS = 20;
type RevocationReason = 'revoked' | 'rotated' | 'tenant_cancelled';

export interface ApiKeysDeps {
  keys: ApiKeyRepository;
  tenants: TenantRepository;
  outbox: OutboxNotifier;
  clock: () => Date;
}

export interface NewKey {
  name?: string;
  scopes: readonly string[];
  expiresAt?: Date;
  rotatedFrom?: string;
}

/** Issuing, listing, revoking, rotating and resolving tenant API keys. */
export class ApiKeys {
  constructor(private readonly deps: ApiKeysDeps) {}

  /** Stores a new key for the tenant and returns it with its plaintext (shown once). No checks: callers do them. */
  async insertKey(tenantId: string, key: NewKey): Promise<CreatedApiKey> {
    const generated = generateApiKey();
    const stored = await this.deps.keys.insert(
      tenantId,
      {
        ...(key.name === undefined ? {} : { name: key.name }),
        prefix: generated.prefix,
        keyHash: generated.hash,
        lastFour: generated.lastFour,
        scopes: [...key.scopes],
        ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt }),
        ...(key.rotatedFrom === undefined ? {} : { rotatedFrom: key.rotatedFrom }),
      },
      { id: generated.keyId },
    );
    return toCreatedApiKey(stored, generated.plaintext);
  }

  /** Removes a key that was never handed out (the write that needed it failed). Best effort: such a key is inert anyway. */
  async withdraw(tenantId: string, keyId: string): Promise<void> {
    await this.deps.keys.delete(tenantId, keyId).catch(() => undefined);
  }

  async issue(identity: Identity, tenantId: string, input: CreateApiKeyRequest): Promise<CreatedApiKey> {
    const now = this.deps.clock();
    const tenant = await findTenantOrThrow(this.deps.tenants, tenantId);
    if (tenant.status === 'cancelled') throw new ConflictError(`Tenant ${tenantId} is cancelled: it cannot get new API keys.`);
    const scopes = input.scopes ?? [];
    assertWithinCallerScopes(identity, scopes);
    const expiresAt = input.expires_at === undefined ? undefined : new Date(input.expires_at);
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw new ValidationFailedError('expires_at must be in the future.', [{ field: 'expires_at', message: 'Must be in the future' }]);
    }
    const active = await this.activeKeys(tenantId, now);
    if (active.length >= MAX_ACTIVE_KEYS) {
      throw new ConflictError(`Tenant ${tenantId} already has ${MAX_ACTIVE_KEYS} active API keys; revoke one first.`, {
        limit: MAX_ACTIVE_KEYS,
      });
    }
    return this.insertKey(tenantId, {
      ...(input.name === undefined ? {} : { name: input.name }),
      scopes,
      ...(expiresAt ? { expiresAt } : {}),
    });
  }

  async list(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<ApiKeyView>> {
    await findTenantOrThrow(this.deps.tenants, tenantId);
    const result = await withQueryCursor(() =>
      this.deps.keys.list(tenantId, { limit: page.limit, ...(page.cursor ? { cursor: page.cursor } : {}) }),
    );
    return { items: result.items.map(toApiKeyView), next_cursor: result.nextCursor };
  }

  /**
   * Revokes a key (idempotent: revoking a revoked key changes nothing and emits nothing). A tenant key
   * may not revoke itself: that would lock the caller out mid-request; rotate it, or use another key.
   */
  async revoke(identity: Identity, tenantId: string, keyId: string): Promise<void> {
    const key = await this.findKey(tenantId, keyId);
    if (identity.role === 'tenant' && identity.keyId === keyId) {
      throw new ConflictError('An API key cannot revoke itself; rotate it, or revoke it with another key or the admin key.', {
        key_id: keyId,
      });
    }
    assertWithinCallerScopes(identity, key.scopes);
    if (key.revokedAt) return;
    await this.markRevoked(key, 'revoked', this.deps.clock());
    this.deps.outbox.notify();
  }

  /**
   * Replaces a key with a new one (same name, scopes and expiry) and revokes the old one. The new key is
   * written first: if revoking then fails (a concurrent rotation won), the new key is withdrawn again.
   */
  async rotate(identity: Identity, tenantId: string, keyId: string): Promise<CreatedApiKey & { rotated_from: string }> {
    const now = this.deps.clock();
    const key = await this.findKey(tenantId, keyId);
    assertWithinCallerScopes(identity, key.scopes);
    if (key.revokedAt) throw new ConflictError(`API key ${keyId} is revoked; issue a new key instead.`, { key_id: keyId });
    if (!isActive(key, now)) throw new ConflictError(`API key ${keyId} has expired; issue a new key instead.`, { key_id: keyId });
    const tenant = await findTenantOrThrow(this.deps.tenants, tenantId);
    if (tenant.status === 'cancelled') throw new ConflictError(`Tenant ${tenantId} is cancelled: it cannot get new API keys.`);

    const replacement = await this.insertKey(tenantId, {
      ...(key.name === undefined ? {} : { name: key.name }),
      scopes: key.scopes,
      ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
      rotatedFrom: key.id,
    });
    try {
      await this.markRevoked(key, 'rotated', now);
    } catch (error) {
      await this.withdraw(tenantId, replacement.id);
      throw error;
    }
    this.deps.outbox.notify();
    return { ...replacement, rotated_from: key.id };
  }

  /** Revokes every active key of a tenant (on cancellation), each with its event. Returns how many. */
  async revokeAllOf(tenantId: string, reason: RevocationReason): Promise<number> {
    const now = this.deps.clock();
    let revoked = 0;
    let cursor: string | undefined;
    do {
      const page = await this.deps.keys.list(tenantId, { filter: { revokedAt: null }, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const key of page.items) {
        await this.markRevoked(key, reason, now);
        revoked += 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return revoked;
  }

  /**
   * What the gateway needs to authenticate a key: two point reads by id (key, then its tenant), no
   * scans. A key whose tenant does not exist is unknown.
   */
  async resolve(keyId: string): Promise<ResolvedApiKey> {
    const key = await this.deps.keys.admin.findByIdAcrossTenants(keyId);
    const tenant = key ? await this.deps.tenants.findById(key.tenantId, key.tenantId) : null;
    if (!key || !tenant) throw new NotFoundError(`API key ${keyId} was not found.`);
    return {
      keyId: key.id,
      tenantId: key.tenantId,
      keyHash: key.keyHash,
      scopes: key.scopes,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      tenant: {
        id: tenant.id,
        status: tenant.status,
        subscriptionTier: tenant.subscriptionTier,
        subscriptionRevision: tenant.subscriptionRevision,
        timezone: tenant.timezone,
      },
    };
  }

  private async findKey(tenantId: string, keyId: string): Promise<ApiKey> {
    const key = await this.deps.keys.findById(tenantId, keyId);
    if (!key) throw new NotFoundError(`API key ${keyId} was not found.`);
    return key;
  }

  private async activeKeys(tenantId: string, now: Date): Promise<ApiKey[]> {
    const page = await this.deps.keys.list(tenantId, { filter: { revokedAt: null }, limit: 1000 });
    return page.items.filter((key) => isActive(key, now));
  }

  private async markRevoked(key: ApiKey, reason: RevocationReason, now: Date): Promise<void> {
    // No `key_prefix`: the event schema caps it at 16 characters and ours (`tnt_<16>`) has 20; `key_id` names the key.
    const event = tenantEvent(
      'tenant.api_key_revoked',
      key.tenantId,
      { tenant_id: key.tenantId, key_id: key.id, reason, revoked_at: now.toISOString() },
      now,
    );
    await this.deps.keys.update(
      key.tenantId,
      key.id,
      { revokedAt: now, revokedReason: reason },
      { expectedVersion: key.version, events: [event] },
    );
  }
}

/**
 * A key limited to scopes may only issue or manage keys within those scopes (an unscoped key may do
 * anything its tenant may): otherwise a narrow key could mint itself a wider one.
 */
function assertWithinCallerScopes(identity: Identity, scopes: readonly string[]): void {
  if (identity.role !== 'tenant' || identity.scopes.length === 0) return;
  // A key without scopes may do everything; one `write` covers the same area's `read`.
  const wider = scopes.length === 0 || scopes.some((scope) => !isApiKeyScope(scope) || !scopesAllow(identity.scopes, scope));
  if (wider) {
    throw new ForbiddenError(
      `This API key is limited to the scopes ${identity.scopes.join(', ')}: it cannot issue or manage keys with wider access.`,
      {
        caller_scopes: identity.scopes,
        requested_scopes: scopes,
      },
    );
  }
}
