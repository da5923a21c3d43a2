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

/**
 * How long a signature stays valid by default: long enough for a request to cross one hop and for the
 * clocks of two hosts to differ a little, short enough that a captured pair is soon worthless.
 */
export const IDENTITY_MAX_AGE_MS = 10_000;
/** How far in the future an issue time may be (the signer's clock ahead of the verifier's). */
const CLOCK_SKEW_MS = 2_000;

/** What one signature is bound to, besides the identity. */
export interface SignedRequest {
  method: string;
  /** The full path with query, as the target service will see it. */
  url: string;
  /** The service the request is for (`tenants`, `billing`, …): another service refuses it. */
  audience: string;
  /**
   * The `Content-Length` the request goes out with; absent for a request without a body (or a chunked
   * one, whose length nobody knows before it is sent). A captured pair cannot carry another body size.
   */
  bodyLength?: number | string;
}

interface SignedPayload {
  identity: Identity;
  /** The target service. */
  aud: string;
  /** Issued at, epoch ms. */
  iat: number;
}

/**
 * The two headers that carry `identity` for ONE request: the signature covers the method, the full path
 * with query, the body's length and the target service, so a captured pair cannot be reused for another
 * route, another tenant's id, another body size or another service, and only for a few seconds.
 */
export function signIdentity(identity: Identity, request: SignedRequest, secret: string, now = Date.now()): Record<string, string> {
  const payload = Buffer.from(JSON.stringify({ identity, aud: request.audience, iat: now } satisfies SignedPayload)).toString('base64url');
  return {
    [IDENTITY_HEADER]: payload,
    [IDENTITY_SIGNATURE_HEADER]: signature(secret, request.method, request.url, lengthField(request.bodyLength), payload),
  };
}

export type IdentityVerification = { ok: true; identity: Identity } | { ok: false; reason: string; wrongAudience?: string };

export interface VerificationOptions {
  /** This service's name: a signature for another service is refused. */
  audience: string;
  /** Default IDENTITY_MAX_AGE_MS. */
  maxAgeMs?: number;
}

/** Checks the signed identity headers of a request that reached a service (its `Content-Length` is read from `headers`). */
export function verifyIdentity(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  request: { method: string; url: string },
  secret: string,
  options: VerificationOptions,
  now = Date.now(),
): IdentityVerification {
  const payload = headers[IDENTITY_HEADER];
  const presented = headers[IDENTITY_SIGNATURE_HEADER];
  if (typeof payload !== 'string' || typeof presented !== 'string') return { ok: false, reason: 'missing identity headers' };
  const contentLength = headers['content-length'];
  const expected = Buffer.from(
    signature(secret, request.method, request.url, lengthField(typeof contentLength === 'string' ? contentLength : undefined), payload),
    'base64url',
  );
  const given = Buffer.from(presented, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed identity' };
  }
  const parsed = z.object({ identity: identitySchema, aud: z.string().min(1).max(64), iat: z.number().int() }).safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: 'malformed identity' };
  if (parsed.data.aud !== options.audience)
    return { ok: false, reason: `signed for the ${parsed.data.aud} service`, wrongAudience: parsed.data.aud };
  const age = now - parsed.data.iat;
  if (age > (options.maxAgeMs ?? IDENTITY_MAX_AGE_MS) || age < -CLOCK_SKEW_MS) return { ok: false, reason: 'expired identity' };
  return { ok: true, identity: parsed.data.identity };
}

/** A body length as signed: the decimal digits of Content-Length, or '' for none (`Content-Length: 0` is none too). */
function lengthField(length: number | string | undefined): string {
  const text = length === undefined ? '' : String(length).trim();
  return text === '0' ? '' : text;
}

function signature(secret: string, method: string, url: string, bodyLength: string, payload: string): string {
  return createHmac('sha256', secret).update(`${method.toUpperCase()}\n${url}\n${bodyLength}\n${payload}`).digest('base64url');
}

const identities = new WeakMap<Request, Identity>();

/**
 * Rejects every request without a valid gateway signature for THIS service (401 problem; 403 when it is
 * valid but was minted for another service) and remembers the identity for `identityOf`. Mount it in
 * front of a service's API routes; probes and /metrics stay outside.
 */
export function requireSignedIdentity(secret: string, options: VerificationOptions): RequestHandler {
  return (req, _res, next) => {
    const result = verifyIdentity(req.headers, { method: req.method, url: req.originalUrl }, secret, options);
    if (!result.ok) {
      if (result.wrongAudience !== undefined) {
        throw new ForbiddenError(`This request was signed for the ${result.wrongAudience} service, not for ${options.audience}.`, {
          audience: options.audience,
        });
      }
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
