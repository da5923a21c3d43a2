declare const cacheKeyBrand: unique symbol;

/**
 * A key built by `tenantKey`. The Cache port accepts nothing else, so no cache call can forget the
 * tenant or hand-assemble a key that lands in another tenant's space.
 */
export type CacheKey = string & { readonly [cacheKeyBrand]: true };

/** Every tenant key starts with this, so the cache shares a Redis with other users safely. */
export const KEY_PREFIX = 'tnt';

/** Characters kept as they are in a key segment; everything else is percent-encoded (UTF-8). */
const SAFE = /^[A-Za-z0-9_.-]$/;

/**
 * Encodes one segment so it can never contain the separator `:`, the hash-tag braces `{` `}`, glob
 * characters used in SCAN patterns, or `%` unescaped: the encoding is one-to-one, so distinct inputs
 * give distinct segments and segment boundaries cannot be forged.
 */
export function encodeKeySegment(segment: string): string {
  let encoded = '';
  for (const char of segment) {
    encoded += SAFE.test(char)
      ? char
      : Array.from(Buffer.from(char, 'utf8'), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return encoded;
}

function requireNonEmpty(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

/** `tnt:{<tenant>}` — the hash tag keeps all of a tenant's keys in one Redis Cluster slot, so one SCAN finds them. */
function tenantSection(tenantId: string): string {
  requireNonEmpty(tenantId, 'tenantId');
  return `${KEY_PREFIX}:{${encodeKeySegment(tenantId)}}`;
}

/**
 * The cache key for `parts` (at least one) in `namespace` of `tenantId`:
 * `tnt:{<tenant>}:<namespace>:<part>[:<part>…]`, every segment encoded. Two different argument lists
 * never give the same key, whatever the ids contain (e.g. tenant `a:b` vs tenant `a` + namespace `b`).
 */
export function tenantKey(tenantId: string, namespace: string, ...parts: [string, ...string[]]): CacheKey {
  requireNonEmpty(namespace, 'namespace');
  if (parts.length === 0) throw new TypeError('a cache key needs at least one part after the namespace');
  for (const part of parts) if (typeof part !== 'string') throw new TypeError('cache key parts must be strings');
  return `${tenantSection(tenantId)}:${encodeKeySegment(namespace)}:${parts.map(encodeKeySegment).join(':')}` as CacheKey;
}

/** The SCAN pattern matching every key of a tenant, or of one namespace of it. */
export function tenantKeyPattern(tenantId: string, namespace?: string): string {
  if (namespace === undefined) return `${tenantSection(tenantId)}:*`;
  requireNonEmpty(namespace, 'namespace');
  return `${tenantSection(tenantId)}:${encodeKeySegment(namespace)}:*`;
}

/** Whether `key` belongs to the tenant (and namespace): what the in-memory twin uses instead of SCAN. */
export function isKeyOf(key: CacheKey, tenantId: string, namespace?: string): boolean {
  return key.startsWith(tenantKeyPattern(tenantId, namespace).slice(0, -1));
}
