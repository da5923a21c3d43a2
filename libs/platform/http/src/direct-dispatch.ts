import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';

/** A handler answering a request on its own (errors thrown or rejected become problem+json). */
export type DirectHandler = (req: Request, res: Response) => void | Promise<void>;

/** Picks the handler of a request (`path`: without the query), or undefined to let express route it. */
export type DirectRoutes = (req: IncomingMessage, path: string) => DirectHandler | undefined;

type Dispatch = (req: IncomingMessage, res: ServerResponse, callback?: NextFunction) => void;

interface DirectDispatchParts {
  /** The platform middleware every request runs first (request id and log context, request log and metrics, …), in order. Each calls `next` synchronously or later, never with an error. */
  prelude: readonly RequestHandler[];
  routes: DirectRoutes;
  problems: ErrorRequestHandler;
}

/**
 * Dispatches the requests `routes` claims without express's router: the prelude middleware run as
 * plain calls and the handler is called directly, so a hot path (the gateway's API routes, probes)
 * walks no layers and no per-layer instrumentation. The request still gets express's request and
 * response objects (prototypes, `req.res`, `res.locals`), as `app.handle` sets them up, so the same
 * handlers work on both paths. Everything else goes to express unchanged.
 */
export function installDirectDispatch(app: Express, parts: DirectDispatchParts): void {
  const dispatchable = app as unknown as { handle: Dispatch };
  const routeThroughExpress = dispatchable.handle.bind(app);
  const { prelude, routes, problems } = parts;
  const direct: Dispatch = (req, res, callback) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const handler = routes(req, queryAt === -1 ? url : url.slice(0, queryAt));
    if (!handler) {
      routeThroughExpress(req, res, callback);
      return;
    }
    const request = asExpressRequest(app, req, res);
    const response = request.res as Response;
    const fail = (error: unknown): void => {
      void problems(error, request, response, () => {
        // Too late for a problem document (express's final handler does the same).
        request.socket.destroy();
      });
    };
    const run = (index: number): void => {
      const step = prelude[index];
      if (step === undefined) {
        try {
          const answered = handler(request, response);
          if (answered instanceof Promise) answered.catch(fail);
        } catch (error) {
          fail(error);
        }
        return;
      }
      step(request, response, (error?: unknown) => (error === undefined ? run(index + 1) : fail(error)));
    };
    run(0);
  };
  // express's `app(req, res)` calls `app.handle` as a property on every request.
  dispatchable.handle = direct;
}

/** What `app.handle` does to a request before routing it (express 5: circular references, prototypes, locals, originalUrl). */
function asExpressRequest(app: Express, req: IncomingMessage, res: ServerResponse): Request {
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  Object.setPrototypeOf(request, app.request);
  Object.setPrototypeOf(response, app.response);
  if (!response.locals) response.locals = Object.create(null) as Response['locals'];
  request.originalUrl ??= request.url;
  request.baseUrl = '';
  return request;
}
