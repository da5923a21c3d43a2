import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { UNTRACED_PATHS } from './untraced-paths';

export interface ServerSpanOptions {
  /** The route template of a request once it is answered (the span's name and `http.route`), if known. */
  routeOf?: (req: IncomingMessage) => string | undefined;
}

/** What the HTTP instrumentation's server side would have suppressed: probes and scrapes run outside any trace. */
const UNTRACED_CONTEXT = suppressTracing(ROOT_CONTEXT);

/**
 * A request listener whose requests each run in their own trace context, made here rather than by the
 * HTTP instrumentation's server side (take the server out of that with `detachInstrumentedServerSide`):
 * the caller's `traceparent` is continued (W3C, or whatever `OTEL_PROPAGATORS` says), a SERVER span is
 * started under the configured sampler, and the listener runs with it active — so log lines carry its
 * trace id and upstream calls (the HTTP instrumentation's client side) carry it on.
 *
 * It costs only what it must: an unsampled request gets a non-recording span (ids made, nothing
 * recorded, no listener added, no attribute built); only a recording span gets attributes and is ended
 * when the response closes, named by its route. Unlike the instrumentation, the request and response are
 * not bound to the context (their event listeners run in the connection's): the platform binds the one
 * listener that needs it (the request log line). `/health`, `/ready` and `/metrics` are not traced.
 */
export function withServerSpans(listener: RequestListener, options: ServerSpanOptions = {}): RequestListener {
  let tracer: Tracer | undefined;
  const { routeOf } = options;
  // One `close` listener for every recorded span (`this`: the response, whose span and request it reads):
  // no closure per request.
  function endServerSpan(this: SpannedResponse): void {
    const span = this[SERVER_SPAN];
    if (span !== undefined) finishServerSpan(span, this, routeOf);
  }
  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (UNTRACED_PATHS.has(path)) {
      context.with(UNTRACED_CONTEXT, listener, undefined, req, res);
      return;
    }
    // Looked up on first use: the SDK registers its provider before the app runs, tests may register one later.
    tracer ??= trace.getTracer('@tenantry/telemetry/server');
    const method = req.method ?? 'GET';
    const parent = carriesTraceContext(req.headers) ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
    const span = tracer.startSpan(method, SERVER_SPAN_OPTIONS, parent);
    if (span.isRecording()) {
      recordServerSpan(span, req, method, path);
      (res as SpannedResponse)[SERVER_SPAN] = span;
      // `on`: a response closes once (no `once` wrapper per request).
      res.on('close', endServerSpan);
    }
    context.with(trace.setSpan(parent, span), listener, undefined, req, res);
  };
}

/** The span a response ends when it closes, on node's response (a symbol property: no closure holds it). */
const SERVER_SPAN = Symbol('tenantry.serverSpan');
type SpannedResponse = ServerResponse & { [SERVER_SPAN]?: Span };

/** The same options for every server span: no object per request. */
const SERVER_SPAN_OPTIONS = Object.freeze({ kind: SpanKind.SERVER });

/** The fields of the default propagators (W3C trace context and baggage), the only ones `carriesTraceContext` can judge. */
const W3C_FIELDS: ReadonlySet<string> = new Set(['traceparent', 'tracestate', 'baggage']);

/**
 * Whether extracting could find anything: with the default propagators (W3C trace context and baggage),
 * only when one of their headers is there — a request without them (most of a public API's) skips the
 * extraction and its contexts. Any other propagator (`OTEL_PROPAGATORS`: b3, jaeger with its prefixed
 * baggage headers, …) is always asked.
 */
function carriesTraceContext(headers: IncomingHttpHeaders): boolean {
  const fields = propagation.fields();
  let judged = true;
  for (const field of fields) {
    if (!W3C_FIELDS.has(field)) judged = false;
    else if (headers[field] !== undefined) return true;
  }
  return !judged;
}

/** The request's attributes, set one by one: no attribute object (and spreads) built per request. */
function recordServerSpan(span: Span, req: IncomingMessage, method: string, path: string): void {
  span.setAttribute(ATTR_HTTP_REQUEST_METHOD, method);
  span.setAttribute(ATTR_URL_PATH, path);
  span.setAttribute(ATTR_URL_SCHEME, 'http');
  const peer = req.socket.remoteAddress;
  if (peer) span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, peer);
  const userAgent = req.headers['user-agent'];
  if (userAgent) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, userAgent);
}

const CLIENT_WENT_AWAY = Object.freeze({
  code: SpanStatusCode.ERROR,
  message: 'the client closed the connection before the response ended',
});
const SERVER_ERROR = Object.freeze({ code: SpanStatusCode.ERROR });

/** Names the span by its route, records the status and ends it, when the response closes. */
function finishServerSpan(span: Span, res: ServerResponse, routeOf: ServerSpanOptions['routeOf']): void {
  const { req } = res;
  const route = routeOf?.(req);
  if (route) {
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${req.method ?? 'GET'} ${route}`);
  }
  if (res.writableFinished) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    if (res.statusCode >= 500) span.setStatus(SERVER_ERROR);
  } else {
    span.setStatus(CLIENT_WENT_AWAY);
  }
  span.end();
}

/**
 * Takes one server out of the HTTP instrumentation's server side (which patches `http.Server.prototype.emit`
 * for every server in the process): its requests are emitted as node emits them, with no span, attribute
 * set or context binding made for them; `withServerSpans` makes the trace context instead. The
 * instrumentation's client side (trace propagation on outgoing calls) is untouched.
 */
export function detachInstrumentedServerSide(server: Server): void {
  // node's http.Server inherits `emit` from EventEmitter; the instrumentation wraps it on http.Server.prototype.
  server.emit = EventEmitter.prototype.emit as Server['emit'];
}
