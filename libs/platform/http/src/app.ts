import { metricsHandler, type Logger } from '@tenantry/telemetry';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { type DirectHandler, type DirectRoutes, installDirectDispatch } from './direct-dispatch';
import { DEFAULT_READINESS_TIMEOUT_MS, healthHandler, readinessHandler, type ReadinessChecks } from './health';
import { jsonBody } from './json-body';
import { observeRequests } from './observe';
import { HttpProblem, mapErrorToProblem, pathOf, sendProblem } from './problem';
import { rememberRouteTemplate, requestIdMiddleware, requestIdOf } from './request-context';

export const DEFAULT_JSON_LIMIT = '1mb';

export interface HttpAppOptions {
  /** The service name on logs and metrics: gateway, tenants, billing, observability, ai-assistant. */
  service: string;
  logger: Logger;
  /** Mounts the service's routes (between the platform middleware and the 404/error handlers). */
  configure: (app: Express) => void;
  /** Dependency checks behind `/ready`. */
  readiness?: ReadinessChecks;
  readinessTimeoutMs?: number;
  /** JSON body parsing (default on, 1 MB limit); `false` leaves bodies unread, e.g. for a proxy. */
  json?: { limit?: string | number } | false;
  /** Extra members of the `/health` body, e.g. which dependency is degraded. */
  healthDetails?: () => Record<string, unknown>;
  /** Serve `/metrics` on this app (default true); the gateway serves it on an operator listener instead. */
  metrics?: boolean;
  /** Middleware that must run for every request, probes included (the gateway's security headers); synchronous, calls `next`. */
  everyRequest?: RequestHandler;
  /**
   * Requests answered without express's router (see `installDirectDispatch`): the gateway's proxied API.
   * `/health` and `/ready` are dispatched directly too when this is given.
   */
  direct?: DirectRoutes;
}

/**
 * An express app with the platform's request pipeline: request id and log context → request log and
 * metrics → /health, /ready, /metrics → JSON body → the service's routes → 404 → problem+json errors.
 * It does not listen: `main.ts` does (`startHttpServer`), and tests drive the app in-process.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { service, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  const prelude = [requestIdMiddleware(), observeRequests(service, logger), ...(options.everyRequest ? [options.everyRequest] : [])];
  for (const step of prelude) app.use(step);
  const health = healthHandler(service, options.healthDetails);
  const ready = readinessHandler(options.readiness ?? {}, options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS, logger);
  app.get('/health', health);
  app.get('/ready', ready);
  if (options.metrics !== false) app.get('/metrics', metricsHandler);
  if (options.json !== false) {
    app.use(jsonBody(options.json?.limit ?? DEFAULT_JSON_LIMIT));
  }
  options.configure(app);
  app.use((req) => {
    throw new HttpProblem('not-found', 404, 'Not found', `No route for ${req.method} ${pathOf(req)}.`);
  });
  const problems = problemHandler(logger);
  app.use(problems);
  const { direct } = options;
  if (direct) {
    const probes = new Map<string, DirectHandler>([
      ['/health', health as DirectHandler],
      ['/ready', ready as DirectHandler],
    ]);
    installDirectDispatch(app, {
      prelude,
      problems,
      routes: (req, path) => ((req.method === 'GET' || req.method === 'HEAD') && probes.get(path)) || direct(req, path),
    });
  }
  return app;
}

/** The one place errors become responses (see `mapErrorToProblem`). */
function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    rememberRouteTemplate(req);
    const mapped = mapErrorToProblem(error);
    if (mapped.unexpected) {
      logger.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed with an unexpected error');
    } else if (mapped.problem.status >= 500) {
      logger.warn({ problem: mapped.problem.type, detail: mapped.problem.detail }, 'request failed');
    }
    if (res.headersSent) {
      // Too late for a problem document: let express end the connection.
      next(error);
      return;
    }
    sendProblem(req, res, mapped, requestIdOf(req));
  };
}
