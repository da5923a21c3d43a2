import { ValidationFailedError } from '@tenantry/contracts';

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
