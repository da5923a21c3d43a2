import { CLIENT_IDENTITY_HEADERS } from '@tenantry/http';
import type { HeaderMap } from './types';

/** Cache-Control directives: lower-case name → argument (unquoted) or true when it has none. */
export type Directives = ReadonlyMap<string, string | true>;

const NO_DIRECTIVES: Directives = new Map();

/** Parses one or more Cache-Control header values; tolerant of odd spacing, quoted and unknown directives. */
export function parseCacheControl(value: string | string[] | undefined): Directives {
  if (value === undefined) return NO_DIRECTIVES;
  const text = Array.isArray(value) ? value.join(',') : String(value);
  if (text.length === 0) return NO_DIRECTIVES;
  const directives = new Map<string, string | true>();
  for (const match of text.matchAll(/([^\s=,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?/g)) {
    const name = (match[1] ?? '').toLowerCase();
    const argument = match[2]?.trim();
    if (directives.has(name)) continue; // RFC 9111 §4.2.1: the first occurrence wins for a repeated directive
    directives.set(
      name,
      argument === undefined ? true : argument.startsWith('"') ? argument.slice(1, -1).replace(/\\(.)/g, '$1') : argument,
    );
  }
  return directives;
}

/** A delta-seconds directive argument, or undefined when absent or malformed (a malformed one is ignored). */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const argument = directives.get(name);
  if (typeof argument !== 'string' || !/^\d+$/.test(argument)) return undefined;
  return Number(argument);
}

/** One header as a single string (repeated values joined with ', '), or undefined. */
export function headerValue(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value); // String(): tolerate numbers from setHeader-style maps
}

/** The lower-case, de-duplicated, sorted header names a `Vary` value lists (`*` kept as is). */
export function varyNames(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const names = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : String(value)).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) names.add(name);
  }
  return [...names].sort();
}

/**
 * Headers that identify the caller. A response that varies on one of them is per-caller (never stored),
 * and none of them is ever stored or used in a key.
 */
const IDENTITY_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  ...CLIENT_IDENTITY_HEADERS.map((name) => name.toLowerCase()),
]);

export function isIdentityHeader(name: string): boolean {
  return IDENTITY_HEADERS.has(name) || name.startsWith('x-tenantry-');
}

/**
 * Never stored: hop-by-hop headers (RFC 9110 §7.6.1), headers that belong to one request or one
 * response (regenerated for each: date, request id, trace context, rate-limit state, our own status),
 * cookies and identity. `content-length` is rewritten from the stored body.
 */
const NOT_STORED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'date',
  'age',
  'content-length',
  'set-cookie',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
  'server-timing',
  'x-response-time',
  'x-cache-status',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'retry-after',
]);

/** The response headers worth storing (lower-case names), with `content-length` set to the body's length. */
export function storableHeaders(headers: HeaderMap, bodyLength: number): HeaderMap {
  const connectionTokens = varyNames(headers['connection']); // headers named by Connection are hop-by-hop too
  const kept: HeaderMap = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (NOT_STORED.has(name) || isIdentityHeader(name) || connectionTokens.includes(name)) continue;
    kept[name] = value;
  }
  kept['content-length'] = String(bodyLength);
  return kept;
}
