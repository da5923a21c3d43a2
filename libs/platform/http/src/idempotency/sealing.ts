import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What is kept of a finished request, to be replayed to a retry. */
export interface StoredResponse {
  status: number;
  /** `json`: a handler's result; `problem`: an RFC 9457 problem; `empty`: no body (e.g. 204). */
  kind: 'json' | 'problem' | 'empty';
  body?: unknown;
  location?: string;
}

const SEALED_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = {
  recordId: 'tenantry/idempotency/record-id/v1',
  fingerprint: 'tenantry/idempotency/fingerprint/v1',
  response: 'tenantry/idempotency/response/v1',
} as const;

/**
 * The cryptography of idempotency records.
 *
 * Why: a replayable response may contain a secret shown once (creating a tenant returns its first API
 * key in plaintext). Stored as is, anyone who can read the database could lift it. So nothing in the
 * record is useful without the Idempotency-Key that only the client holds:
 *
 * - the record id is an HMAC (key derived from INTERNAL_SECRET) of scope, method, path and the
 *   Idempotency-Key: the raw Idempotency-Key is never stored, and ids cannot be guessed from it
 *   without the secret;
 * - the response is encrypted with AES-256-GCM under a key derived by HKDF-SHA256 from the client's
 *   Idempotency-Key (input keying material) and INTERNAL_SECRET (salt), bound to the record id
 *   (info and additional data): the database alone, or the database plus INTERNAL_SECRET, cannot
 *   decrypt it; a retry that presents the key can;
 * - the body fingerprint is an HMAC under a key derived the same way, so it does not reveal the body
 *   by dictionary attack either.
 *
 * The protection is as strong as the client's Idempotency-Key is unguessable (use a UUID).
 */
export class IdempotencySealer {
  private readonly recordIdKey: Buffer;

  constructor(private readonly secret: string) {
    this.recordIdKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO.recordId, 32));
  }

  /** The record's id: point-addressable, deterministic for the same scope, method, path and key. */
  recordId(scope: string, method: string, path: string, idempotencyKey: string): string {
    return `idem_${createHmac('sha256', this.recordIdKey)
      .update(JSON.stringify([scope, method.toUpperCase(), path, idempotencyKey]))
      .digest('hex')}`;
  }

  /** A keyed fingerprint of the canonical JSON of the body (key order does not matter, values do). */
  fingerprint(idempotencyKey: string, body: unknown): string {
    return createHmac('sha256', this.derive(idempotencyKey, INFO.fingerprint, ''))
      .update(canonicalJson(body))
      .digest('hex');
  }

  sameFingerprint(a: string, b: string): boolean {
    const left = Buffer.from(a, 'hex');
    const right = Buffer.from(b, 'hex');
    return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
  }

  seal(idempotencyKey: string, recordId: string, response: StoredResponse): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.derive(idempotencyKey, INFO.response, recordId), iv);
    cipher.setAAD(Buffer.from(recordId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
    return `${SEALED_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** The stored response; throws if the sealed text was not made for this key and record (or was altered). */
  open(idempotencyKey: string, recordId: string, sealed: string): StoredResponse {
    const [version, payload] = sealed.split('.', 2);
    if (version !== SEALED_VERSION || !payload) throw new Error(`Unknown sealed response format ${String(version)}`);
    const bytes = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.derive(idempotencyKey, INFO.response, recordId), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(recordId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(plaintext.toString('utf8')) as StoredResponse;
  }

  private derive(idempotencyKey: string, purpose: string, recordId: string): Buffer {
    return Buffer.from(hkdfSync('sha256', idempotencyKey, this.secret, `${purpose}\u0000${recordId}`, 32));
  }
}

/** JSON with object keys sorted at every depth, so equal bodies fingerprint equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
