/**
 * Typed errors that domain code throws and the HTTP layer maps to RFC 9457 problem+json in one place.
 * `type` is a stable identifier clients can branch on; it never changes once published.
 */
export type ProblemType =
  | 'validation-failed'
  | 'not-found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'rate-limited'
  | 'unprocessable'
  | 'not-implemented'
  | 'service-unavailable';

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `settings.timezone`; empty for the whole input. */
  field: string;
  message: string;
}

export abstract class TenantryError extends Error {
  abstract readonly problemType: ProblemType;
  abstract readonly status: number;
  abstract readonly title: string;
  constructor(
    message: string,
    /** Extra members of the problem document (RFC 9457 extensions), e.g. `{ requiredPlan: 'pro' }`. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends TenantryError {
  readonly problemType = 'validation-failed';
  readonly status = 400;
  readonly title = 'Validation failed';
  constructor(
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message, { errors: issues });
  }
}

export class NotFoundError extends TenantryError {
  readonly problemType = 'not-found';
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends TenantryError {
  readonly problemType = 'conflict';
  readonly status = 409;
  readonly title = 'Conflict';
}

export class ForbiddenError extends TenantryError {
  readonly problemType = 'forbidden';
  readonly status = 403;
  readonly title = 'Forbidden';
}

export class UnauthorizedError extends TenantryError {
  readonly problemType = 'unauthorized';
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class UnprocessableError extends TenantryError {
  readonly problemType = 'unprocessable';
  readonly status = 422;
  readonly title = 'Unprocessable request';
}

export class RateLimitedError extends TenantryError {
  readonly problemType = 'rate-limited';
  readonly status = 429;
  readonly title = 'Too many requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, extensions);
  }
}

export class NotImplementedError extends TenantryError {
  readonly problemType = 'not-implemented';
  readonly status = 501;
  readonly title = 'Not implemented';
}

/** A dependency (database, broker) is unreachable: the request may succeed if retried later. */
export class ServiceUnavailableError extends TenantryError {
  readonly problemType = 'service-unavailable';
  readonly status = 503;
  readonly title = 'Service unavailable';
}
