import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
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
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) recordServerSpan(span, req, res, method, path, routeOf);
    context.with(trace.setSpan(parent, span), listener, undefined, req, res);
  };
}

function recordServerSpan(
  span: Span,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  routeOf: ServerSpanOptions['routeOf'],
): void {
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: path,
    [ATTR_URL_SCHEME]: 'http',
    ...(req.socket.remoteAddress ? { [ATTR_NETWORK_PEER_ADDRESS]: req.socket.remoteAddress } : {}),
    ...(req.headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: req.headers['user-agent'] } : {}),
  });
  // `on`: a response closes once (no `once` wrapper per request).
  res.on('close', () => {
    const route = routeOf?.(req);
    if (route) {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${method} ${route}`);
    }
    if (res.writableFinished) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the response ended' });
    }
    span.end();
  });
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
