import { createHmac, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, NotFoundError, planIdSchema, UnauthorizedError } from '@tenantry/contracts';
import { setLogContext } from '@tenantry/telemetry';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';

/**
 * Who a request acts for, as the gateway established it. Services never read identity from anything
 * else: the gateway strips every client-supplied identity header and injects these two, signed with
 * INTERNAL_SECRET (MISSION §3).
 *
 * - `admin`: the platform admin (ADMIN_API_KEY); may act on any tenant.
 * - `tenant`: a tenant API key; may act on its own tenant only. `planId` is the plan in force when the
 *   gateway authenticated the request (it follows subscription events live), so a service gates plan
 *   features (`requireFeature`) without asking billing; an identity without it is granted no feature.
 * - `service`: a platform process calling another (e.g. the gateway resolving an API key).
 */
export const identitySchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('admin') }),
  z.object({
    role: z.literal('tenant'),
    tenantId: z.string().min(1).max(128),
    keyId: z.string().min(1).max(128),
    scopes: z.array(z.string().max(64)).max(64).default([]),
    planId: planIdSchema.optional(),
  }),
  z.object({ role: z.literal('service'), service: z.string().min(1).max(64) }),
]);
export type Identity = z.output<typeof identitySchema>;

export const IDENTITY_HEADER = 'x-tenantry-identity';
export const IDENTITY_SIGNATURE_HEADER = 'x-tenantry-signature';

/** Every header a client might use to claim an identity; the gateway deletes all of them before proxying. */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = [
  IDENTITY_HEADER,
  IDENTITY_SIGNATURE_HEADER,
  'x-tenant-id',
  'x-tenant',
  'x-role',
  'x-user-id',
  'x-user',
  'x-scopes',
  'x-admin',
  'x-forwarded-user',
  'x-authenticated-user',
];

/** How long a signature stays valid: a captured header cannot be replayed later than this. */
export const IDENTITY_MAX_AGE_MS = 60_000;
/** Clock skew tolerated between gateway and service hosts. */
const CLOCK_SKEW_MS = 5_000;

interface SignedPayload {
  identity: Identity;
  /** Issued at, epoch ms. */
  iat: number;
}

/**
 * The two headers that carry `identity` for ONE request: the signature covers the method and the full
 * path with query, so a captured pair cannot be reused for another route or another tenant's id.
 */
export function signIdentity(identity: Identity, request: { method: string; url: string }, secret: string, now = Date.now()): Record<string, string> {
  const payload = Buffer.from(JSON.stringify({ identity, iat: now } satisfies SignedPayload)).toString('base64url');
  return {
    [IDENTITY_HEADER]: payload,
    [IDENTITY_SIGNATURE_HEADER]: signature(secret, request.method, request.url, payload),
  };
}

export type IdentityVerification = { ok: true; identity: Identity } | { ok: false; reason: string };

/** Checks the signed identity headers of a request that reached a service. */
export function verifyIdentity(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  request: { method: string; url: string },
  secret: string,
  now = Date.now(),
): IdentityVerification {
  const payload = headers[IDENTITY_HEADER];
  const presented = headers[IDENTITY_SIGNATURE_HEADER];
  if (typeof payload !== 'string' || typeof presented !== 'string') return { ok: false, reason: 'missing identity headers' };
  const expected = Buffer.from(signature(secret, request.method, request.url, payload), 'base64url');
  const given = Buffer.from(presented, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed identity' };
  }
  const parsed = z.object({ identity: identitySchema, iat: z.number().int() }).safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: 'malformed identity' };
  const age = now - parsed.data.iat;
  if (age > IDENTITY_MAX_AGE_MS || age < -CLOCK_SKEW_MS) return { ok: false, reason: 'expired identity' };
  return { ok: true, identity: parsed.data.identity };
}

function signature(secret: string, method: string, url: string, payload: string): string {
  return createHmac('sha256', secret).update(`${method.toUpperCase()}\n${url}\n${payload}`).digest('base64url');
}

const identities = new WeakMap<Request, Identity>();

/**
 * Rejects (401 problem) every request without a valid gateway signature and remembers the identity for
 * `identityOf`. Mount it in front of a service's API routes; probes and /metrics stay outside.
 */
export function requireSignedIdentity(secret: string): RequestHandler {
  return (req, _res, next) => {
    const result = verifyIdentity(req.headers, { method: req.method, url: req.originalUrl }, secret);
    if (!result.ok) {
      throw new UnauthorizedError(`This service only accepts requests through the gateway (${result.reason}).`);
    }
    identities.set(req, result.identity);
    if (result.identity.role === 'tenant') setLogContext({ tenantId: result.identity.tenantId });
    next();
  };
}

/** The verified identity of a request that passed `requireSignedIdentity`. */
export function identityOf(req: Request): Identity {
  const identity = identities.get(req);
  if (!identity) throw new Error('identityOf() called on a route not behind requireSignedIdentity()');
  return identity;
}

/** 403 unless the caller is the platform admin. */
export function assertAdmin(identity: Identity): void {
  if (identity.role !== 'admin') throw new ForbiddenError('This operation requires the platform admin key.');
}

/**
 * The tenant-isolation check: the admin and platform services may act on any tenant; a tenant key only
 * on its own. Another tenant's resource answers 404 exactly like a missing one, so ids do not leak.
 */
export function assertTenantAccess(identity: Identity, tenantId: string, what = 'Tenant'): void {
  if (identity.role === 'tenant' && identity.tenantId !== tenantId) throw new NotFoundError(`${what} ${tenantId} was not found.`);
}
