/**
 * MongoDB field names may not contain `.` or start with `$` (FerretDB 1.x rejects both anywhere:
 * `invalid key: "a.b" (key must not contain '.' sign)`), and NUL is never allowed. Documents carry
 * free-form maps (tenant metadata, settings), so nested keys are escaped on the way in and restored on
 * the way out. `%` is escaped too, which keeps the mapping one-to-one. Top-level names are schema fields
 * that `defineCollection` already restricts, and are left alone so queries and indexes can name them.
 */
const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '.': '%2E', $: '%24', '\u0000': '%00' };
const UNESCAPES: Readonly<Record<string, string>> = { '%25': '%', '%2E': '.', '%24': '$', '%00': '\u0000' };

const NEEDS_ESCAPE = /[%.$]/;

export const escapeKey = (key: string): string =>
  NEEDS_ESCAPE.test(key) || key.includes('\u0000') ? Array.from(key, (char) => ESCAPES[char] ?? char).join('') : key;
export const unescapeKey = (key: string): string => key.replace(/%(?:25|2E|24|00)/g, (code) => UNESCAPES[code] ?? code);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function mapKeys(value: unknown, mapKey: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, mapKey));
  if (!isPlainObject(value)) return value; // Date, Buffer, ObjectId, … pass through
  const mapped: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) mapped[mapKey(key)] = mapKeys(item, mapKey);
  return mapped;
}

/** Escapes the nested keys inside each top-level field value. */
export function encodeFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) encoded[field] = mapKeys(value, escapeKey);
  return encoded;
}

export function decodeFields<T extends Record<string, unknown>>(fields: T): T {
  const decoded: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) decoded[field] = mapKeys(value, unescapeKey);
  return decoded as T;
}
