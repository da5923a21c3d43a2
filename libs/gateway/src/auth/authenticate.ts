import { hash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, type PlanId, type ResolvedApiKey, UnauthorizedError } from '@tenantry/contracts';
import { hashApiKey, type Identity, parseApiKey } from '@tenantry/http';
import type { KeyResolver } from './key-resolver';
import type { PlansInForce } from './plans-in-force';

/** Who is calling, as established by the gateway. */
export type Caller =
  | { kind: 'admin'; identity: Identity }
  | {
      kind: 'tenant';
      identity: Identity;
      tenantId: string;
      /** The plan in force (the newer of the key resolution and the subscription events seen): limits and features follow it. */
      tier: PlanId;
      timezone: string;
      keyId: string;
      /** What the key is limited to (`tenants:read`, …); empty: everything its tenant may do. */
      scopes: readonly string[];
      /** A digest of the key's scopes (undefined for an unscoped key): part of the response-cache key. */
      scopePartition?: string;
    };

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * Turns an `Authorization: Bearer …` header into a caller, or throws the problem to answer:
 * 401 for a missing, malformed, unknown, revoked or expired credential (one message for all of them,
 * so nothing tells a prober which part was wrong), 403 for a suspended or cancelled tenant.
 */
export class Authenticator {
  private readonly adminKeyDigest: Buffer;

  constructor(
    adminApiKey: string,
    private readonly keys: KeyResolver,
    private readonly plans: PlansInForce,
    private readonly now: () => number = Date.now,
  ) {
    if (parseApiKey(adminApiKey)) throw new Error('ADMIN_API_KEY must not have the shape of a tenant API key (tnt_<id>_<secret>)');
    this.adminKeyDigest = sha256(adminApiKey);
  }

  async authenticate(authorization: string | undefined): Promise<Caller> {
    const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (presented === undefined) throw new UnauthorizedError('Send an API key as "Authorization: Bearer <key>".');
    const parsed = parseApiKey(presented);
    if (!parsed) {
      // Not tenant-key shaped: the admin key or nothing. Digests make the comparison take the same time
      // whatever the length of the guess.
      if (timingSafeEqual(sha256(presented), this.adminKeyDigest)) return { kind: 'admin', identity: { role: 'admin' } };
      throw invalidKey();
    }
    const resolvedOrPending = this.keys.resolve(parsed.keyId);
    const resolved = resolvedOrPending instanceof Promise ? await resolvedOrPending : resolvedOrPending;
    if (!resolved || !sameHash(hashApiKey(presented), resolved.keyHash)) throw invalidKey();

    // The tenant's status before the key's liveness: cancelling a tenant revokes all its keys, and its
    // holder (who proved the secret) must learn that the tenant is cancelled (403, MISSION §3), not that
    // the key is invalid (401).
    const { tenant } = resolved;
    if (tenant.status === 'suspended' || tenant.status === 'cancelled') {
      throw new ForbiddenError(`Tenant ${tenant.id} is ${tenant.status}; its API access is disabled.`, { tenant_status: tenant.status });
    }
    if (!this.isLive(resolved)) throw invalidKey();
    const { planId } = this.plans.inForce(tenant.id, { planId: tenant.subscriptionTier, revision: tenant.subscriptionRevision });
    return {
      kind: 'tenant',
      identity: { role: 'tenant', tenantId: tenant.id, keyId: resolved.keyId, scopes: resolved.scopes, planId },
      tenantId: tenant.id,
      tier: planId,
      timezone: tenant.timezone,
      keyId: resolved.keyId,
      scopes: resolved.scopes,
      ...(resolved.scopes.length > 0 ? { scopePartition: scopeDigest(resolved.scopes) } : {}),
    };
  }

  private isLive(key: ResolvedApiKey): boolean {
    if (key.revokedAt !== null) return false;
    return key.expiresAt === null || Date.parse(key.expiresAt) > this.now();
  }
}

function invalidKey(): UnauthorizedError {
  return new UnauthorizedError('The API key is not valid (unknown, revoked or expired).');
}

function scopeDigest(scopes: readonly string[]): string {
  return hash('sha256', [...scopes].sort().join('\n'), 'base64url').slice(0, 16);
}

function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

function sameHash(actualHex: string, expectedHex: string): boolean {
  const actual = Buffer.from(actualHex, 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
