/**
 * A condition on one document in the small subset of the MongoDB query language the store's
 * conditional writes use, so that one declaration serves both ways of enforcing it: as part of the
 * write's filter on MongoDB, and checked here, under the per-document lock, on FerretDB (which pushes
 * down only a bare `{ _id }` filter; anything more is a scan of the whole collection).
 *
 * Supported per field: a string/number/boolean (equality), `{ $exists }`, `{ $gte }` / `{ $lte }` on
 * numbers, `{ $size }` on arrays. Anything else is a programming error.
 */
export type Condition = Readonly<Record<string, string | number | boolean | Readonly<Record<string, unknown>>>>;

export function holds(document: Readonly<Record<string, unknown>>, condition: Condition): boolean {
  return Object.entries(condition).every(([field, expected]) => fieldHolds(document[field], field, expected));
}

function fieldHolds(value: unknown, field: string, expected: Condition[string]): boolean {
  if (typeof expected !== 'object') return value === expected;
  return Object.entries(expected).every(([operator, operand]) => {
    switch (operator) {
      case '$exists':
        return (value !== undefined) === operand;
      case '$gte':
        return typeof value === 'number' && typeof operand === 'number' && value >= operand;
      case '$lte':
        return typeof value === 'number' && typeof operand === 'number' && value <= operand;
      case '$size':
        return Array.isArray(value) && value.length === operand;
      default:
        throw new TypeError(`Unsupported condition ${operator} on ${field}`);
    }
  });
}
