import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { runWithRequestId } from '@tenantry/telemetry';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a caller may send as its request id: short, printable, no spaces or quotes (it is echoed and logged). */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

// On node's request (the same object before and after express sets its prototypes), as symbol properties:
// two stores per request rather than two WeakMap entries (ephemeron bookkeeping the GC walks).
const REQUEST_ID = Symbol('tenantry.requestId');
const ROUTE_TEMPLATE = Symbol('tenantry.routeTemplate');

interface WithRequestContext {
  [REQUEST_ID]?: string;
  [ROUTE_TEMPLATE]?: string;
}

/** The id of this request: the caller's `X-Request-Id` if sane, else a generated UUID. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as WithRequestContext)[REQUEST_ID];
}

/**
 * Accepts or generates the request id, echoes it in the response, and opens the log context that
 * every log line of this request carries (authentication adds the tenant with `setLogContext`).
 */
export function requestIdMiddleware(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    (req as WithRequestContext)[REQUEST_ID] = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    runWithRequestId(id, next);
  };
}

/**
 * Names the route template of this request for metrics and logs when it is not an express route
 * (e.g. the gateway's proxy: `setRouteTemplate(req, '/api/v1/tenants/*')`). Never pass a raw path.
 */
export function setRouteTemplate(req: IncomingMessage, template: string): void {
  (req as WithRequestContext)[ROUTE_TEMPLATE] = template;
}

/** The template of the route that handled `req`, if any. */
export function routeTemplateOf(req: Request): string | undefined {
  const explicit = (req as WithRequestContext)[ROUTE_TEMPLATE];
  if (explicit) return explicit;
  const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : undefined;
}

/** Remembers the matched route while routing state is current (baseUrl changes as routers are left). */
export function rememberRouteTemplate(req: Request): void {
  if ((req as WithRequestContext)[ROUTE_TEMPLATE] !== undefined) return;
  const template = routeTemplateOf(req);
  if (template) (req as WithRequestContext)[ROUTE_TEMPLATE] = template;
}

/**
 * Wraps middleware that reads the request body so that `next` runs in the request's async context:
 * stream callbacks are not guaranteed to keep it (it depends on the parser and the Node version), and
 * losing it would drop the log context and the active span for every later handler.
 */
export function keepingContext(middleware: RequestHandler): RequestHandler {
  return (req, res, next) => middleware(req, res, AsyncLocalStorage.bind(next));
}
