import { createServer, type RequestListener, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { detachInstrumentedServerSide, type Logger, withServerSpans } from '@tenantry/telemetry';
import type { Request } from 'express';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from './problem';
import { routeTemplateOf } from './request-context';

export interface StartHttpServerOptions {
  /** 0 picks a free port (tests); the chosen one is returned. */
  port: number;
  host?: string;
  logger: Logger;
  /**
   * Idle keep-alive sockets stay open this long. Longer than the idle timeout of proxies and load
   * balancers in front (60 s on common ones), so they never reuse a socket this server just closed.
   */
  keepAliveTimeoutMs?: number;
  /** Time allowed to receive a request's headers, counted from their first byte (an idle keep-alive connection is governed by `keepAliveTimeoutMs`). */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole request (slow-body protection). */
  requestTimeoutMs?: number;
  /** How long `close()` lets in-flight requests finish before closing their sockets. */
  shutdownGraceMs?: number;
  /** Extra headers on the answers to requests that could not be parsed (the gateway's security headers). */
  clientErrorHeaders?: Readonly<Record<string, string>>;
  /**
   * Make each request's trace context and server span here (`withServerSpans`: a span recorded only when
   * sampled, named by the route template) instead of in the HTTP instrumentation's server side, which
   * costs every request a URL parse, an attribute set and two context bindings (the gateway's hot path).
   */
  ownServerSpans?: boolean;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  server: Server;
  /**
   * Graceful stop: refuses new connections at once, closes idle keep-alive sockets, lets in-flight
   * requests finish (answering them with `Connection: close`), then closes what is left at the
   * deadline. Resolves when every connection is gone. Idempotent.
   */
  close(): Promise<void>;
}

export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const IDLE_SWEEP_INTERVAL_MS = 25;

export async function startHttpServer(app: RequestListener, options: StartHttpServerOptions): Promise<RunningHttpServer> {
  const { logger, host = '0.0.0.0', shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_MS } = options;
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const headersTimeout = options.headersTimeoutMs ?? keepAliveTimeout + 1_000;
  // Node checks the headers and request timeouts every 30 s by default, so a 10 s limit would hold for up
  // to 40 s: check four times per headers timeout instead (a walk over the open connections).
  const listener = options.ownServerSpans ? withServerSpans(app, { routeOf: (req) => routeTemplateOf(req as Request) }) : app;
  const server = createServer({ connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(headersTimeout / 4))) }, listener);
  if (options.ownServerSpans) detachInstrumentedServerSide(server);
  server.keepAliveTimeout = keepAliveTimeout;
  server.headersTimeout = headersTimeout;
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.on('clientError', (error: Error & { code?: string }, socket) =>
    answerClientError(error, socket, options.clientErrorHeaders ?? {}),
  );

  // Responses in progress, so a drain can tell each one to close its connection when it ends.
  const inFlight = new Set<ServerResponse>();
  // One function for every response (`this` is the emitter): no closure per request.
  function forget(this: ServerResponse): void {
    inFlight.delete(this);
  }
  let draining = false;
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) {
      res.shouldKeepAlive = false;
      return;
    }
    inFlight.add(res);
    // `on`, not `once`: a response closes once, and `once` costs a wrapper and a removal per request.
    res.on('close', forget);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  logger.info({ port, host }, 'http server listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      logger.info({ port, graceMs: shutdownGraceMs }, 'http server draining');
      // Sockets become idle as their in-flight responses end: sweep them until none are left.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
      const deadline = setTimeout(() => {
        logger.warn({ port }, 'http server drain deadline passed: closing remaining connections');
        server.closeAllConnections();
      }, shutdownGraceMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(deadline);
        logger.info({ port }, 'http server closed');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { port, url, server, close };
}

/**
 * A request the parser refused (ambiguous framing — Content-Length with Transfer-Encoding, duplicated or
 * invalid Content-Length —, obs-folded headers, bare LF, oversized headers) or that took too long gets
 * a problem document like every other answer, and the connection is closed: after a framing error
 * nobody can tell where the next request would start.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex, extraHeaders: Readonly<Record<string, string>>): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, problemType, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request-header-fields-too-large', 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request-timeout', 'The request did not arrive in time.']
        : [400, 'bad-request', `The request is not valid HTTP/1.1 (${(error.code ?? 'parse error').replace(/[^A-Z0-9_]/g, '')}).`];
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: problemTypeUri(problemType), title, status, detail });
  const headers = Object.entries(extraHeaders)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`,
  );
}
