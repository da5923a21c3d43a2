import type { FilterValue } from '../repository';
import { invalid } from './validation';

export type FilterOperator = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte';

/** One condition of a validated filter: the adapters' common, injection-free representation. */
export type FilterClause =
  | { field: string; op: 'eq' | 'ne'; value: FilterValue }
  | { field: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: Exclude<FilterValue, null> }
  | { field: string; op: 'in' | 'nin'; value: readonly FilterValue[] };

const OPERATORS: Readonly<Record<string, FilterOperator>> = {
  $eq: 'eq',
  $ne: 'ne',
  $in: 'in',
  $nin: 'nin',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};

const MAX_IN_VALUES = 1000;

function isFilterValue(value: unknown): value is FilterValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (value instanceof Date && !Number.isNaN(value.getTime()))
  );
}

/**
 * Validates a caller's filter against the collection's fields and turns it into clauses. Only declared
 * document fields and the operators above pass, and values must be scalars, so a filter can neither
 * name `tenantId` (or any system field) nor smuggle in query operators such as `$where` or `$or`.
 */
export function normalizeFilter(filter: object | undefined, fields: ReadonlySet<string>): FilterClause[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== 'object' || Array.isArray(filter)) throw invalid('filter', 'filter must be an object');
  const clauses: FilterClause[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (condition === undefined) continue;
    if (!fields.has(field)) throw invalid(`filter.${field}`, `"${field}" is not a filterable field`);
    if (isFilterValue(condition)) {
      clauses.push({ field, op: 'eq', value: condition });
      continue;
    }
    if (typeof condition !== 'object' || Array.isArray(condition)) {
      throw invalid(`filter.${field}`, 'a filter value must be a string, number, boolean, date, null or an operator object');
    }
    const entries = Object.entries(condition as Record<string, unknown>).filter(([, value]) => value !== undefined);
    if (entries.length === 0) throw invalid(`filter.${field}`, 'an operator object needs at least one operator');
    for (const [key, value] of entries) clauses.push(clause(field, key, value));
  }
  return clauses;
}

function clause(field: string, key: string, value: unknown): FilterClause {
  const op = OPERATORS[key];
  const path = `filter.${field}.${key}`;
  if (op === undefined) throw invalid(path, `unsupported filter operator "${key}"`);
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value) || value.length > MAX_IN_VALUES || !value.every(isFilterValue)) {
      throw invalid(path, `${key} takes an array of at most ${MAX_IN_VALUES} scalar values`);
    }
    return { field, op, value: [...value] };
  }
  if (!isFilterValue(value)) throw invalid(path, `${key} takes a scalar value`);
  if (op === 'eq' || op === 'ne') return { field, op, value };
  if (value === null) throw invalid(path, `${key} cannot compare with null`);
  return { field, op, value };
}

// ---------------------------------------------------------------- evaluation (in-memory adapter)
// MongoDB semantics for scalars: a missing field equals null; range operators only compare values of
// the same type bracket; a stored array matches when any element does; strings compare by UTF-8 bytes.

type Bracket = 'number' | 'string' | 'date' | 'boolean' | 'null' | 'other';

function bracketOf(value: unknown): Bracket {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'date';
  return 'other';
}

/** Compares two values of the same bracket: negative, zero or positive. */
export function compareScalars(a: unknown, b: unknown): number {
  const bracket = bracketOf(a);
  if (bracket === 'number') return (a as number) - (b as number);
  if (bracket === 'string') return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
  if (bracket === 'date') return (a as Date).getTime() - (b as Date).getTime();
  if (bracket === 'boolean') return Number(a) - Number(b);
  return 0;
}

function scalarEquals(stored: unknown, wanted: FilterValue): boolean {
  const bracket = bracketOf(stored);
  return bracket === bracketOf(wanted) && bracket !== 'other' && compareScalars(stored, wanted) === 0;
}

function anyElement(stored: unknown, test: (value: unknown) => boolean): boolean {
  return Array.isArray(stored) ? stored.some(test) : test(stored);
}

function equals(stored: unknown, wanted: FilterValue): boolean {
  return anyElement(stored, (value) => scalarEquals(value, wanted));
}

function inRange(stored: unknown, op: 'gt' | 'gte' | 'lt' | 'lte', bound: Exclude<FilterValue, null>): boolean {
  return anyElement(stored, (value) => {
    if (bracketOf(value) !== bracketOf(bound)) return false;
    const order = compareScalars(value, bound);
    return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
  });
}

export function matchesClause(record: Readonly<Record<string, unknown>>, filter: FilterClause): boolean {
  const stored = record[filter.field];
  switch (filter.op) {
    case 'eq':
      return equals(stored, filter.value);
    case 'ne':
      return !equals(stored, filter.value);
    case 'in':
      return filter.value.some((wanted) => equals(stored, wanted));
    case 'nin':
      return !filter.value.some((wanted) => equals(stored, wanted));
    default:
      return inRange(stored, filter.op, filter.value);
  }
}

export function matchesAll(record: Readonly<Record<string, unknown>>, filters: readonly FilterClause[]): boolean {
  return filters.every((filter) => matchesClause(record, filter));
}
