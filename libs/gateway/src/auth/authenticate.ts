import { hash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, type PlanId, type ResolvedApiKey, UnauthorizedError } from '@tenantry/contracts';
import { hashApiKey, type Identity, parseApiKey } from '@tenantry/http';
import type { KeyResolver } from './key-resolver';
import type { PlanAtRevision, PlansInForce } from './plans-in-force';

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
  private readonly verified = new WeakMap<ResolvedApiKey, VerifiedKey>();

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
    return this.authenticateNow(authorization);
  }

  /**
   * `authenticate`, answered synchronously when the key's resolution is at hand (the key resolver knows
   * it): no promise on the hot path. Refusals are thrown (synchronously or as the promise's rejection).
   */
  authenticateNow(authorization: string | undefined): Caller | Promise<Caller> {
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
    return resolvedOrPending instanceof Promise
      ? resolvedOrPending.then((resolved) => this.callerFor(resolved, presented))
      : this.callerFor(resolvedOrPending, presented);
  }

  private callerFor(resolved: ResolvedApiKey | null, presented: string): Caller {
    if (!resolved) throw invalidKey();
    const verified = this.verify(resolved, presented);
    if (!verified) throw invalidKey();

    // The tenant's status before the key's liveness: cancelling a tenant revokes all its keys, and its
    // holder (who proved the secret) must learn that the tenant is cancelled (403, MISSION §3), not that
    // the key is invalid (401).
    const { tenant } = resolved;
    if (tenant.status === 'suspended' || tenant.status === 'cancelled') {
      throw new ForbiddenError(`Tenant ${tenant.id} is ${tenant.status}; its API access is disabled.`, { tenant_status: tenant.status });
    }
    if (resolved.revokedAt !== null || !(verified.expiresAt > this.now())) throw invalidKey();
    return this.callerOf(resolved, verified);
  }

  /**
   * What a resolved key's holder proved, worked out once per resolution: the hash check, the expiry and
   * the scope digest are remembered with the resolution (a WeakMap on the resolver's object), so they go
   * when the key resolver forgets or re-resolves the key. Later requests compare the presented secret
   * with the one that matched, in constant time, instead of hashing it again.
   */
  private verify(resolved: ResolvedApiKey, presented: string): VerifiedKey | undefined {
    const known = this.verified.get(resolved);
    if (known) return constantTimeEqual(presented, known.presented) ? known : undefined;
    if (!sameHash(hashApiKey(presented), resolved.keyHash)) return undefined;
    const verified: VerifiedKey = {
      presented,
      expiresAt: resolved.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(resolved.expiresAt),
      resolvedPlan: { planId: resolved.tenant.subscriptionTier, revision: resolved.tenant.subscriptionRevision },
      ...(resolved.scopes.length > 0 ? { scopePartition: scopeDigest(resolved.scopes) } : {}),
    };
    this.verified.set(resolved, verified);
    return verified;
  }

  /** The caller, built again only when the plan in force changed (a subscription event) since the last request. */
  private callerOf(resolved: ResolvedApiKey, verified: VerifiedKey): TenantCaller {
    const { tenant } = resolved;
    const plan = this.plans.inForce(tenant.id, verified.resolvedPlan);
    if (verified.caller && verified.callerPlan === plan) return verified.caller;
    const { planId } = plan;
    const caller: TenantCaller = {
      kind: 'tenant',
      identity: { role: 'tenant', tenantId: tenant.id, keyId: resolved.keyId, scopes: resolved.scopes, planId },
      tenantId: tenant.id,
      tier: planId,
      timezone: tenant.timezone,
      keyId: resolved.keyId,
      scopes: resolved.scopes,
      ...(verified.scopePartition !== undefined ? { scopePartition: verified.scopePartition } : {}),
    };
    verified.caller = caller;
    verified.callerPlan = plan;
    return caller;
  }
}

type TenantCaller = Extract<Caller, { kind: 'tenant' }>;

/** A resolution's proven secret and what follows from it (see `Authenticator.verify`). */
interface VerifiedKey {
  readonly presented: string;
  /** Epoch ms; +∞ for a key that never expires. */
  readonly expiresAt: number;
  readonly resolvedPlan: PlanAtRevision;
  readonly scopePartition?: string;
  caller?: TenantCaller;
  callerPlan?: PlanAtRevision;
}

/** Whether two strings are equal, in a time that depends on their length only. */
function constantTimeEqual(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
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
