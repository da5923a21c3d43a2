import { ValidationFailedError } from '@tenantry/contracts';
import { z } from 'zod';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** `?limit=` (1–100, default 20) and `?cursor=` (opaque, from a previous page's `next_cursor`). */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  cursor: z.string().min(1).max(1024).optional(),
});

export type PaginationQuery = z.output<typeof paginationQuery>;

/** One page of a list. `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The zod schema of a page of `item`s (for response contracts and tests). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

/** Makes an opaque cursor from a position (e.g. `{ createdAt, id }` of the last item). */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Reads a cursor made by `encodeCursor`. A cursor that was not (tampered, truncated, from another
 * list) is a 400 naming `query.cursor`, never a 500.
 */
export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.output<S> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const result = schema.safeParse(decoded);
  if (!result.success) {
    throw new ValidationFailedError('The cursor is not valid for this list.', [
      { field: 'query.cursor', message: 'Not a cursor returned by this list; start again without it.' },
    ]);
  }
  return result.data;
}

/**
 * Runs a repository list whose cursor came from the query string: a cursor the repository does not
 * accept is the client's `query.cursor`, named as such in the 400.
 */
export async function withQueryCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof ValidationFailedError && error.issues.some((issue) => issue.field === 'cursor')) {
      const message = 'Not a cursor returned by this list; start again without it.';
      throw new ValidationFailedError('The cursor is not valid for this list.', [{ field: 'query.cursor', message }]);
    }
    throw error;
  }
}
