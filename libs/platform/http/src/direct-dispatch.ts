import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';

/** A handler answering a request on its own (errors thrown or rejected become problem+json). */
export type DirectHandler = (req: Request, res: Response) => void | Promise<void>;

/**
 * A handler on node's own request and response: no express prototypes are set and no express method is
 * there unless it asks for them with `asExpress()` (which sets them up, once, as `app.handle` would, and
 * returns express's request; its `res` is the response). Errors thrown or rejected become problem+json.
 */
export interface NodeDirectHandler {
  node: (req: IncomingMessage, res: ServerResponse, asExpress: () => Request) => void | Promise<void>;
}

/** Picks the handler of a request (`path`: without the query), or undefined to let express route it. */
export type DirectRoutes = (req: IncomingMessage, path: string) => DirectHandler | NodeDirectHandler | undefined;

type Dispatch = (req: IncomingMessage, res: ServerResponse, callback?: NextFunction) => void;

interface DirectDispatchParts {
  /**
   * The platform middleware every request runs first (request id and log context, request log and metrics, …),
   * in order. Each calls `next` synchronously or later, never with an error, and uses only what node's
   * request and response have (a `NodeDirectHandler`'s request reaches them without express's prototypes).
   */
  prelude: readonly RequestHandler[];
  routes: DirectRoutes;
  problems: ErrorRequestHandler;
}

/**
 * Dispatches the requests `routes` claims without express's router: the prelude middleware run as
 * plain calls and the handler is called directly, so a hot path (the gateway's API routes, probes)
 * walks no layers and no per-layer instrumentation. A `DirectHandler` gets express's request and
 * response objects (prototypes, `req.res`, `res.locals`), as `app.handle` sets them up, so the same
 * handlers work on both paths; a `NodeDirectHandler` gets node's, and express's only when it asks (the
 * gateway's cache hits never do). Everything else goes to express unchanged.
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
    // A node handler's request becomes express's only if something asks (a miss, a problem document).
    let request: Request | undefined;
    const asExpress = (): Request => (request ??= asExpressRequest(app, req, res));
    const fail = (error: unknown): void => {
      const failed = asExpress();
      void problems(error, failed, failed.res as Response, () => {
        // Too late for a problem document (express's final handler does the same).
        failed.socket.destroy();
      });
    };
    const answer =
      typeof handler === 'function'
        ? (): void | Promise<void> => handler(asExpress(), res as Response)
        : (): void | Promise<void> => handler.node(req, res, asExpress);
    const run = (index: number): void => {
      const step = prelude[index];
      if (step === undefined) {
        try {
          const answered = answer();
          if (answered instanceof Promise) answered.catch(fail);
        } catch (error) {
          fail(error);
        }
        return;
      }
      step(req as Request, res as Response, (error?: unknown) => (error === undefined ? run(index + 1) : fail(error)));
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
