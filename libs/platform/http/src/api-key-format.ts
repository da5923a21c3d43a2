import { hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The tenant API key format, shared by the service that issues keys (tenants) and the one that checks
 * them (gateway). It lives here because both may import platform libraries but not each other.
 *
 *   tnt_<id>_<secret>     id: 16 chars [a-z0-9] (public: names the key)
 *                         secret: 43 chars base64url (32 random bytes)
 *
 * The key document's id is `key_<id>`, so the gateway resolves a presented key with ONE read by id
 * and compares hashes; the plaintext is never stored, only `hashApiKey(plaintext)`.
 */
export const API_KEY_PREFIX = 'tnt_';
export const API_KEY_ID_LENGTH = 16;
export const API_KEY_SECRET_BYTES = 32;
/** Prefix of the key document id: `key_<id>`. */
export const API_KEY_DOCUMENT_PREFIX = 'key_';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const API_KEY_PATTERN = /^tnt_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_DOCUMENT_ID_PATTERN = /^key_[a-z0-9]{16}$/;

export interface GeneratedApiKey {
  /** The full key, shown to its owner ONCE. */
  plaintext: string;
  /** The key document id, `key_<id>`. */
  keyId: string;
  /** The public part, `tnt_<id>`: safe to show and log. */
  prefix: string;
  /** SHA-256 hex of the plaintext: what is stored. */
  hash: string;
  /** The last 4 characters of the plaintext, for masked listings (`tnt_<id>…abcd`). */
  lastFour: string;
}

export interface ParsedApiKey {
  /** The key document id, `key_<id>`. */
  keyId: string;
  /** `tnt_<id>`. */
  prefix: string;
}

/** A new random key (ids from `randomInt`, so every character is uniform; the secret has 256 bits). */
export function generateApiKey(): GeneratedApiKey {
  let id = '';
  for (let i = 0; i < API_KEY_ID_LENGTH; i += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  const secret = randomBytes(API_KEY_SECRET_BYTES).toString('base64url');
  const prefix = `${API_KEY_PREFIX}${id}`;
  const plaintext = `${prefix}_${secret}`;
  return { plaintext, keyId: `${API_KEY_DOCUMENT_PREFIX}${id}`, prefix, hash: hashApiKey(plaintext), lastFour: plaintext.slice(-4) };
}

/** The parts of a well-formed key, or null for anything else (wrong prefix, length or alphabet). */
export function parseApiKey(plaintext: string): ParsedApiKey | null {
  const match = API_KEY_PATTERN.exec(plaintext);
  if (!match?.[1]) return null;
  return { keyId: `${API_KEY_DOCUMENT_PREFIX}${match[1]}`, prefix: `${API_KEY_PREFIX}${match[1]}` };
}

/** SHA-256 hex of the full plaintext key. The secret has 256 random bits, so a fast hash is enough. */
export function hashApiKey(plaintext: string): string {
  // One-shot hash: no Hash object per call (this runs on every authenticated gateway request).
  return hash('sha256', plaintext, 'hex');
}

/** Compares a presented key with a stored hash in constant time. */
export function apiKeyMatchesHash(plaintext: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(plaintext), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** True for a key document id (`key_<16 chars>`). */
export function isApiKeyDocumentId(value: string): boolean {
  return KEY_DOCUMENT_ID_PATTERN.test(value);
}

/** How a key is shown after creation: its public prefix and its last 4 characters. */
export function maskApiKey(prefix: string, lastFour: string): string {
  return `${prefix}…${lastFour}`;
}
