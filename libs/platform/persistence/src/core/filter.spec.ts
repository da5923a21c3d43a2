import { ValidationFailedError } from '@tenantry/contracts';
import { matchesAll, normalizeFilter } from './filter';

const fields = new Set(['name', 'price', 'tags', 'at']);

describe('filters', () => {
  it('when a filter uses declared fields and operators, then it becomes clauses', () => {
    expect(normalizeFilter({ name: 'a', price: { $gte: 1, $lt: 5 }, at: undefined }, fields)).toEqual([
      { field: 'name', op: 'eq', value: 'a' },
      { field: 'price', op: 'gte', value: 1 },
      { field: 'price', op: 'lt', value: 5 },
    ]);
  });

  it.each([
    ['an undeclared field', { tenantId: 't' }],
    ['a top-level operator', { $or: [] }],
    ['an unknown operator', { name: { $regex: '.*' } }],
    ['an object value', { name: { nested: 1 } }],
    ['an operator with an object', { name: { $eq: { $gt: '' } } }],
    ['a range against null', { price: { $gt: null } }],
    ['$in without an array', { name: { $in: 'a' } }],
    ['a non-finite number', { price: Number.NaN }],
  ])('when a filter has %s, then it is a validation failure', (_case, filter) => {
    expect(() => normalizeFilter(filter, fields)).toThrow(ValidationFailedError);
  });

  it('when matching in memory, then missing equals null, ranges respect types and arrays match by element', () => {
    const record = { name: 'b', price: 3, tags: ['x', 'y'], at: new Date(10) };
    const match = (filter: object) => matchesAll(record, normalizeFilter(filter, fields));
    expect(match({ price: { $gt: 2, $lte: 3 } })).toBe(true);
    expect(match({ price: { $gt: '2' } })).toBe(false);
    expect(match({ name: { $in: ['a', 'b'] } })).toBe(true);
    expect(match({ tags: 'y' })).toBe(true);
    expect(match({ at: { $lt: new Date(11) } })).toBe(true);
    expect(matchesAll({}, normalizeFilter({ name: null }, fields))).toBe(true);
    expect(matchesAll({}, normalizeFilter({ name: { $ne: null } }, fields))).toBe(false);
  });
});
