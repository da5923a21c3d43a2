import { holds } from './conditions';

describe('conditions checked in code (the FerretDB path of conditional writes)', () => {
  const document = { tenantId: 't1', version: 3, _outbox: [], _deletedAt: undefined, until: 10 };

  it('when every field matches like MongoDB would, then the condition holds', () => {
    expect(
      holds(document, { tenantId: 't1', version: 3, _deletedAt: { $exists: false }, _outbox: { $size: 0 }, until: { $lte: 10, $gte: 10 } }),
    ).toBe(true);
  });

  it.each([
    ['another tenant', { tenantId: 't2' }],
    ['another version', { version: 4 }],
    ['a version of another type', { version: '3' }],
    ['a tombstone wanted', { _deletedAt: { $exists: true } }],
    ['a non-empty outbox wanted', { _outbox: { $size: 1 } }],
    ['a bound not met', { until: { $lte: 9 } }],
    ['a missing field compared', { missing: { $gte: 0 } }],
  ])('when %s, then it does not hold', (_label, condition) => {
    expect(holds(document, condition)).toBe(false);
  });

  it('when an operator is not supported, then it is a programming error', () => {
    expect(() => holds(document, { version: { $in: [3] } })).toThrow(TypeError);
  });
});
