import { AsyncLocalStorage } from 'node:async_hooks';
import { recordHttpServerRequest, UNMATCHED_ROUTE, type Logger } from '@tenantry/telemetry';
import type { RequestHandler } from 'express';
import { pathOf } from './problem';
import { routeTemplateOf } from './request-context';

/** Status logged and counted for a request whose client went away before the response ended (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Paths of probes and scrapes: logged at debug so they do not drown the request log. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * One log line and one metric sample per request, when the response ends or the client goes away:
 * method, route template, status, duration. Never headers: they carry credentials.
 */
export function observeRequests(service: string, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    const level = QUIET_PATHS.has(pathOf(req)) ? 'debug' : 'info';
    const onClose = () => {
      const durationSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const completed = res.writableFinished;
      const status = completed ? res.statusCode : CLIENT_CLOSED_REQUEST;
      const route = routeTemplateOf(req) ?? UNMATCHED_ROUTE;
      recordHttpServerRequest({ service, route, method: req.method, status, durationSeconds });
      if (!logger.isLevelEnabled(level)) return;
      const fields = { method: req.method, route, path: pathOf(req), status, duration_ms: Math.round(durationSeconds * 1e6) / 1e3 };
      logger[level](fields, completed ? 'request completed' : 'request aborted by client');
    };
    // Bound to the request's context, so the line carries request, tenant and trace ids: only when the
    // line will be written (binding captures the async context, a cost every request would pay for nothing).
    // `on`, not `once`: a response closes once, and `once` costs a wrapper and a removal per request.
    res.on('close', logger.isLevelEnabled(level) ? AsyncLocalStorage.bind(onClose) : onClose);
    next();
  };
}
