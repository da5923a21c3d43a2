import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { recordHttpServerRequest, UNMATCHED_ROUTE, type Logger } from '@tenantry/telemetry';
import type { Request, RequestHandler } from 'express';
import { pathOf } from './problem';
import { routeTemplateOf } from './request-context';

/** Status logged and counted for a request whose client went away before the response ended (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Paths of probes and scrapes: logged at debug so they do not drown the request log. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/** When the request arrived (`performance.now()`), on node's response: no closure per request to hold it. */
const STARTED_AT = Symbol('tenantry.startedAt');

type ObservedResponse = ServerResponse & { [STARTED_AT]?: number };

/**
 * One log line and one metric sample per request, when the response ends or the client goes away:
 * method, route template, status, duration. Never headers: they carry credentials.
 *
 * One `close` listener per request for both, and the same function for every request of the app (the
 * request and its start time are read from the response): the hot path allocates no closure for it
 * unless the line is written, which binds the request's async context (request, tenant and trace ids).
 */
export function observeRequests(service: string, logger: Logger): RequestHandler {
  const levelOf = (req: Request): 'debug' | 'info' => (QUIET_PATHS.has(pathOf(req)) ? 'debug' : 'info');
  const observe = (res: ObservedResponse): void => {
    const req = res.req as Request;
    const durationSeconds = (performance.now() - (res[STARTED_AT] ?? 0)) / 1e3;
    const completed = res.writableFinished;
    const status = completed ? res.statusCode : CLIENT_CLOSED_REQUEST;
    const route = routeTemplateOf(req) ?? UNMATCHED_ROUTE;
    const method = req.method;
    recordHttpServerRequest({ service, route, method, status, durationSeconds });
    // Below info nothing is written (debug is lower): no path cut for it.
    if (!logger.isLevelEnabled('info')) return;
    const level = levelOf(req);
    if (!logger.isLevelEnabled(level)) return;
    const fields = { method, route, path: pathOf(req), status, duration_ms: Math.round(durationSeconds * 1e6) / 1e3 };
    logger[level](fields, completed ? 'request completed' : 'request aborted by client');
  };
  function observeOnClose(this: ObservedResponse): void {
    observe(this);
  }
  return (req, res, next) => {
    (res as ObservedResponse)[STARTED_AT] = performance.now();
    // Bound to the request's context, so the line carries request, tenant and trace ids: only when the
    // line will be written (binding captures the async context, a cost every request would pay for nothing).
    // `on`, not `once`: a response closes once, and `once` costs a wrapper and a removal per request.
    const logged = logger.isLevelEnabled('info') && logger.isLevelEnabled(levelOf(req));
    res.on('close', logged ? AsyncLocalStorage.bind(() => observe(res)) : observeOnClose);
    next();
  };
}
