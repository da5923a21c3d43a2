import type { IncomingHttpHeaders } from 'node:http';

/** Headers that describe one hop, never the message: not forwarded in either direction (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/**
 * Request headers the gateway sets itself rather than passing on: the framing of the body it actually
 * sends (`content-length`), the target's `host`, `expect` (the body is already read), the request id it
 * answers with, and every forwarding header a client might use to pose as someone else.
 */
const SET_BY_THE_GATEWAY = new Set([
  'content-length',
  'host',
  'expect',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
]);

/** Who the gateway forwards for (X-Forwarded-For / -Proto / -Host). */
export interface ForwardedFor {
  /** The `X-Forwarded-For` chain ending with the address of the connection the gateway accepted. */
  for: string;
  proto: string;
  /** The Host the client addressed, when it is a plain host[:port]. */
  host?: string;
}

/** The upstream request's headers: the client's end-to-end headers, then what the gateway vouches for. */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  set: Record<string, string | undefined>,
): Record<string, string | string[]> {
  const named = namedInConnection(client.connection);
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || HOP_BY_HOP.has(name) || SET_BY_THE_GATEWAY.has(name) || named?.has(name)) continue;
    result[name] = value;
  }
  for (const [name, value] of Object.entries(set)) if (value !== undefined) result[name] = value;
  return result;
}

/** A service's response headers as the gateway passes them on: end-to-end only, never the service's request id. */
export function downstreamResponseHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = namedInConnection(upstream.connection);
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-request-id' || named?.has(name)) continue;
    result[name] = value;
  }
  return result;
}

/** `Connection: close, X-Secret` names hop-by-hop headers of its own (RFC 9110 §7.6.1). */
function namedInConnection(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const values = Array.isArray(connection) ? connection : [connection];
  return new Set(
    values
      .flatMap((value) => value.split(','))
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

const PLAIN_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The Host header if it is a plain host[:port] (anything else is not echoed to a service). */
export function plainHost(host: string | undefined): string | undefined {
  return host !== undefined && PLAIN_HOST.test(host) ? host : undefined;
}
