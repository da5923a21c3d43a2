/**
 * What must never reach a log line: credentials under well-known keys (at any depth) and any string
 * that looks like a credential, wherever it appears (a message, an error, a URL's query string).
 */

/** Keys whose values are replaced, compared case-insensitively. */
export const SENSITIVE_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-internal-signature',
  'apiKey',
  'api_key',
  'adminApiKey',
  'password',
  'secret',
  'internalSecret',
  'clientSecret',
  'token',
  'accessToken',
  'refreshToken',
] as const;

export const REDACTED = '[REDACTED]';

const SENSITIVE_KEY_SET: ReadonlySet<string> = new Set(SENSITIVE_KEYS.map((key) => key.toLowerCase()));
const MAX_REDACTION_DEPTH = 8;

/**
 * Replaces the values of sensitive keys at any depth of plain objects and arrays (covers non-string
 * values: cookie arrays, nested credential objects). Copy-on-write: the caller's objects are never
 * mutated, and an object without secrets is returned as is. Errors and class instances are left to
 * the serializers and the line scrubber. (pino's own wildcard `redact` paths cost ~10 µs per level
 * per line; this costs a Set lookup per key.)
 */
export function redactSensitiveKeys<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_REDACTION_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const redacted = redactSensitiveKeys(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = SENSITIVE_KEY_SET.has(key.toLowerCase()) ? REDACTED : redactSensitiveKeys(item, depth + 1);
    if (redacted !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** RFC 7235 token68 characters: what API keys and bearer tokens are made of. */
const TOKEN_CHARS = '[A-Za-z0-9._~+/=-]';

interface LinePattern {
  /** Skip the regex when the line does not contain this (a substring search is far cheaper). */
  hint?: string;
  pattern: RegExp;
  replacement: string;
}

const LINE_PATTERNS: readonly LinePattern[] = [
  // A sensitive key with a string value inside something the structural pass does not walk (errors, class instances).
  {
    pattern: new RegExp(`"(${SENSITIVE_KEYS.map(escapeRegExp).join('|')})"\\s*:\\s*"(?:[^"\\\\]|\\\\.)*"`, 'gi'),
    replacement: `"$1":"${REDACTED}"`,
  },
  // Tenant API keys, wherever they appear.
  { hint: 'tnt_', pattern: new RegExp(`tnt_${TOKEN_CHARS}{4,}`, 'g'), replacement: `tnt_${REDACTED}` },
  // Passwords in URLs (`mongodb://user:password@host`), common in connection errors.
  { hint: '://', pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"]+:)[^\s@/"]+@/gi, replacement: `$1${REDACTED}@` },
  // Credentials in an Authorization-style string (`Bearer …`, `Basic …`).
  { pattern: new RegExp(`\\b(Bearer|Basic)\\s+${TOKEN_CHARS}+`, 'gi'), replacement: `$1 ${REDACTED}` },
];

/**
 * Returns a function that scrubs a serialized log line: credential-looking strings and the given
 * literal secret values (e.g. ADMIN_API_KEY) are replaced. Runs on every line, so it stays regex-only.
 */
export function createLineScrubber(secretValues: readonly string[] = []): (line: string) => string {
  const literals = secretValues.filter((value) => value.length >= 8);
  const patterns = [...LINE_PATTERNS];
  if (literals.length > 0) {
    // Secrets are matched both raw and in their JSON-escaped form, as they appear inside the line.
    const forms = literals.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]);
    patterns.push({ pattern: new RegExp([...new Set(forms)].map(escapeRegExp).join('|'), 'g'), replacement: REDACTED });
  }
  return (line) => {
    let scrubbed = line;
    for (const { hint, pattern, replacement } of patterns) {
      if (hint === undefined || scrubbed.includes(hint)) scrubbed = scrubbed.replace(pattern, replacement);
    }
    return scrubbed;
  };
}
