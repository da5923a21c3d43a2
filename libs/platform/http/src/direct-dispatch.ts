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
  const { routes } = parts;
  const direct: Dispatch = (req, res, callback) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const handler = routes(req, queryAt === -1 ? url : url.slice(0, queryAt));
    if (!handler) {
      routeThroughExpress(req, res, callback);
      return;
    }
    new DirectExchange(app, parts, req, res, handler).next();
  };
  // express's `app(req, res)` calls `app.handle` as a property on every request.
  dispatchable.handle = direct;
}

/**
 * One directly dispatched request: the prelude steps, then the handler. One object and two functions per
 * request (the hot path's allocations), rather than a closure per step.
 */
class DirectExchange {
  private request: Request | undefined;
  private index = 0;
  /** The prelude's `next`: the following step, or the handler after the last; an error becomes a problem. */
  readonly next: (error?: unknown) => void;
  /** A node handler's request becomes express's only if something asks (a miss, a problem document). */
  readonly asExpress: () => Request;

  constructor(
    private readonly app: Express,
    private readonly parts: DirectDispatchParts,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly handler: DirectHandler | NodeDirectHandler,
  ) {
    this.next = (error?: unknown): void => (error === undefined ? this.step() : this.fail(error));
    this.asExpress = (): Request => (this.request ??= asExpressRequest(this.app, this.req, this.res));
  }

  private step(): void {
    const step = this.parts.prelude[this.index];
    this.index += 1;
    if (step !== undefined) {
      step(this.req as Request, this.res as Response, this.next);
      return;
    }
    try {
      const { handler } = this;
      const answered =
        typeof handler === 'function' ? handler(this.asExpress(), this.res as Response) : handler.node(this.req, this.res, this.asExpress);
      if (answered instanceof Promise) answered.catch((error: unknown) => this.fail(error));
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    const failed = this.asExpress();
    void this.parts.problems(error, failed, failed.res as Response, () => {
      // Too late for a problem document (express's final handler does the same).
      failed.socket.destroy();
    });
  }
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
