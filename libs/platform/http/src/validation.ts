import { ValidationFailedError, type FieldIssue } from '@tenantry/contracts';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { fieldIssuesFromZod, HttpProblem, validationDetail } from './problem';
import { rememberRouteTemplate } from './request-context';

type RequestPart = 'params' | 'query' | 'body' | 'headers';

/**
 * What a route answers when it succeeds, for the OpenAPI document (openapi.ts): the same zod schemas
 * validate the request, type the handler and describe the operation.
 */
export interface RouteDoc {
  summary: string;
  /** Default: made from the method and path (`openapi.ts`, operationIdOf). */
  operationId?: string;
  description?: string;
  /** Default 200. */
  status?: 200 | 201 | 204;
  /** The success body; none for a 204. */
  response?: z.ZodType;
  /** No API key needed (the public catalog). */
  public?: boolean;
  /** Takes an `Idempotency-Key` header (the handler is wrapped by `idempotency()`). */
  idempotent?: boolean;
}

/** The zod schemas of the parts of a request a route reads, and its documentation. */
export interface RouteSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
  doc?: RouteDoc;
}

/** The parsed, typed request: each part given a schema is its output type; the others are `undefined`. */
export type RouteInput<S extends RouteSchemas> = {
  [K in RequestPart]-?: K extends keyof S ? (S[K] extends z.ZodType ? z.output<S[K]> : undefined) : undefined;
};

/** Where route() keeps a route's schemas on the handler it returns, for the OpenAPI document. */
export const ROUTE_SCHEMAS = Symbol('tenantry.routeSchemas');

export type DocumentedHandler = RequestHandler & { [ROUTE_SCHEMAS]?: RouteSchemas };

export type RouteHandler<S extends RouteSchemas, R> = (input: RouteInput<S>, req: Request, res: Response) => R | Promise<R>;

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A route handler that receives the request already validated and parsed (coerced numbers, defaults)
 * by its schemas. Invalid input becomes ONE 400 problem naming every failing field; a body route
 * refuses a non-JSON body with 415. A returned value is sent as JSON (set `res.status(201)` first to
 * change the status); return nothing when the handler wrote the response itself. Thrown errors and
 * rejections reach the problem mapper (express 5 forwards them), so no try/catch is needed.
 *
 *   router.get('/tenants', route({ query: paginationQuery }, ({ query }) => tenants.list(query)));
 */
export function route<const S extends RouteSchemas, R>(schemas: S, handler: RouteHandler<S, R>): RequestHandler {
  const handle: DocumentedHandler = async (req, res) => {
    rememberRouteTemplate(req);
    if (schemas.body && hasBody(req) && !req.is(JSON_TYPES)) {
      throw new HttpProblem(
        'unsupported-media-type',
        415,
        'Unsupported media type',
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
    const input = await parseRequest(schemas, req);
    const result = await handler(input, req, res);
    if (CHECK_RESPONSES && result !== undefined && res.statusCode < 300) assertDocumentedResponse(schemas.doc?.response, result, req);
    if (result !== undefined && !res.headersSent) res.json(result);
  };
  handle[ROUTE_SCHEMAS] = schemas;
  return handle;
}

/**
 * Under test, every answer a route returns is checked against the schema its OpenAPI entry documents,
 * so a view and its contract cannot drift apart unnoticed (a renamed field fails the test that reads it).
 */
const CHECK_RESPONSES = process.env['NODE_ENV'] === 'test';

function assertDocumentedResponse(schema: z.ZodType | undefined, result: unknown, req: Request): void {
  if (!schema) return;
  const checked = schema.safeParse(result);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`The answer of ${req.method} ${req.originalUrl} does not match its documented response schema: ${issues}`);
  }
}

/** Where each part of the request is read from, and how its failing fields are named. */
const PARTS = [
  { part: 'params', prefix: 'params', read: (req: Request): unknown => req.params },
  { part: 'query', prefix: 'query', read: (req: Request): unknown => req.query },
  { part: 'headers', prefix: 'headers', read: (req: Request): unknown => req.headers },
  // Body fields are named as the domain names them (`settings.timezone`), without a prefix.
  { part: 'body', prefix: '', read: (req: Request): unknown => req.body },
] as const;

async function parseRequest<S extends RouteSchemas>(schemas: S, req: Request): Promise<RouteInput<S>> {
  const input: Record<string, unknown> = { params: undefined, query: undefined, headers: undefined, body: undefined };
  const issues: FieldIssue[] = [];
  for (const { part, prefix, read } of PARTS) {
    const schema = schemas[part];
    if (!schema) continue;
    const value = read(req);
    const result = await schema.safeParseAsync(value);
    if (result.success) input[part] = result.data;
    else if (part === 'body' && value === undefined) issues.push({ field: '', message: 'A JSON request body is required.' });
    else issues.push(...fieldIssuesFromZod(result.error.issues, prefix, schema));
  }
  if (issues.length > 0) throw new ValidationFailedError(validationDetail(issues), issues);
  return input as RouteInput<S>;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}
