import { type FieldIssue, ValidationFailedError } from '@tenantry/contracts';
import type { z } from 'zod';

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

export function invalid(field: string, message: string): ValidationFailedError {
  return new ValidationFailedError(message, [{ field, message }]);
}

/**
 * The tenant id is a programming contract, not user input: a missing one is a bug that must never be
 * read as "no scope", so it throws a plain error (a 500) rather than a validation problem.
 */
export function assertTenantId(tenantId: unknown): asserts tenantId is string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new TypeError('A tenant id (non-empty string) is required for every tenant-scoped repository call');
  }
}

const MAX_ID_LENGTH = 200;

/** Lookups treat a malformed id as "not found": ids often come straight from a URL. */
export function isPlausibleId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

export function assertInsertableId(id: unknown): asserts id is string {
  if (!isPlausibleId(id)) throw invalid('id', `id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalid('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}
