import { STATUS_CODES } from 'node:http';
import { RateLimitedError, TenantryError, UnauthorizedError, type FieldIssue } from '@tenantry/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { knownFieldsAt, suggestField } from './unknown-fields';

/** `type` of every Tenantry problem: a stable URI clients may branch on. */
export const PROBLEM_TYPE_BASE = 'https://tenantry.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export const problemTypeUri = (problemType: string): string => `${PROBLEM_TYPE_BASE}${problemType}`;

/** The members of a problem that do not depend on the request; extension members sit beside them. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** An RFC 9457 problem document as sent. */
export interface ProblemDocument extends ProblemBody {
  instance: string;
  request_id?: string;
}

/**
 * A problem at the HTTP level rather than in the domain: malformed JSON, body too large, wrong
 * content type, no such route, not ready. Domain code throws the `TenantryError`s of contracts instead.
 */
export class HttpProblem extends Error {
  constructor(
    readonly problemType: string,
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export interface MappedProblem {
  problem: ProblemBody;
  headers: Record<string, string>;
  /** True when the cause is a server-side fault to be logged with its stack (never shown to the client). */
  unexpected: boolean;
}

export const INTERNAL_ERROR_DETAIL = 'An unexpected error occurred. Quote the request_id if you report it.';

/** THE mapping from anything thrown while handling a request to the problem the client gets. */
export function mapErrorToProblem(error: unknown): MappedProblem {
  if (error instanceof TenantryError) {
    const headers: Record<string, string> = {};
    if (error instanceof RateLimitedError) headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    // RFC 9110 §11.6.1: a 401 names the scheme to authenticate with.
    if (error instanceof UnauthorizedError) headers['WWW-Authenticate'] = 'Bearer realm="tenantry"';
    return { problem: build(error.problemType, error.status, error.title, error.message, error.extensions), headers, unexpected: false };
  }
  if (error instanceof HttpProblem) {
    return {
      problem: build(error.problemType, error.status, error.title, error.message, error.extensions),
      headers: {},
      unexpected: false,
    };
  }
  if (error instanceof z.core.$ZodError) {
    const errors = fieldIssuesFromZod(error.issues);
    return {
      problem: build('validation-failed', 400, 'Validation failed', validationDetail(errors), { errors }),
      headers: {},
      unexpected: false,
    };
  }
  const transport = transportProblem(error);
  if (transport) return { problem: transport, headers: {}, unexpected: false };
  return { problem: build('internal-error', 500, 'Internal server error', INTERNAL_ERROR_DETAIL, {}), headers: {}, unexpected: true };
}

function build(
  problemType: string,
  status: number,
  title: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>>,
): ProblemBody {
  // Extensions first: they may add members but never replace the standard ones.
  return { ...extensions, type: problemTypeUri(problemType), title, status, detail };
}

/** Errors raised by express and body-parser (http-errors shape: `status`, `expose`, `type`). */
interface HttpErrorLike {
  status: number;
  expose?: boolean;
  type?: string;
  message: string;
}

function isHttpErrorLike(error: unknown): error is HttpErrorLike {
  return error instanceof Error && typeof (error as Partial<HttpErrorLike>).status === 'number';
}

const BODY_PARSER_PROBLEMS: Record<string, (error: HttpErrorLike) => [string, number, string, string]> = {
  'entity.parse.failed': () => ['malformed-json', 400, 'Malformed JSON', 'The request body is not valid JSON.'],
  'entity.too.large': () => ['payload-too-large', 413, 'Payload too large', 'The request body exceeds the size limit.'],
  'charset.unsupported': (error) => ['unsupported-media-type', 415, 'Unsupported media type', error.message],
  'encoding.unsupported': (error) => ['unsupported-media-type', 415, 'Unsupported media type', error.message],
};

function transportProblem(error: unknown) {
  if (!isHttpErrorLike(error) || error.status < 400 || error.status >= 500) return undefined;
  const known = error.type ? BODY_PARSER_PROBLEMS[error.type] : undefined;
  if (known) {
    const [type, status, title, detail] = known(error);
    return build(type, status, title, detail, {});
  }
  // Other client errors from express (e.g. an undecodable URL parameter): their messages are meant for clients.
  const detail = error.expose === false ? (STATUS_CODES[error.status] ?? 'Bad request') : error.message;
  return build(
    error.status === 400 ? 'bad-request' : `http-${error.status}`,
    error.status,
    STATUS_CODES[error.status] ?? 'Client error',
    detail,
    {},
  );
}

/**
 * One field issue per failing field. An unknown field is named itself (zod reports it on its parent
 * object), with the known field it is probably a misspelling of when `schema` tells which fields exist.
 */
export function fieldIssuesFromZod(issues: readonly z.core.$ZodIssue[], prefix = '', schema?: z.ZodType): FieldIssue[] {
  const named = (path: readonly PropertyKey[]): string => {
    const joined = path.map(String).join('.');
    return prefix && joined ? `${prefix}.${joined}` : prefix || joined;
  };
  return issues.flatMap((issue): FieldIssue[] => {
    if (issue.code !== 'unrecognized_keys') return [{ field: named(issue.path), message: issue.message }];
    const known = knownFieldsAt(schema, issue.path);
    return issue.keys.map((key) => {
      const suggestion = suggestField(key, known);
      return { field: named([...issue.path, key]), message: `Unknown field${suggestion ? `; did you mean "${suggestion}"?` : '.'}` };
    });
  });
}

export function validationDetail(issues: readonly FieldIssue[]): string {
  const fields = [...new Set(issues.map((issue) => issue.field || '(body)'))];
  return `Request validation failed for: ${fields.join(', ')}.`;
}

/** Writes a problem response for `req`. */
export function sendProblem(req: Request, res: Response, mapped: Pick<MappedProblem, 'problem' | 'headers'>, requestId?: string): void {
  const document: ProblemDocument = { ...mapped.problem, instance: pathOf(req), ...(requestId ? { request_id: requestId } : {}) };
  res.status(document.status).set(mapped.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(document));
}

/** The request path without its query string (which may carry credentials). */
export function pathOf(req: Request): string {
  return (req.originalUrl || req.url).split('?')[0] ?? '/';
}
