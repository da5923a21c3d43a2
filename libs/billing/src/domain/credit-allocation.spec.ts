import { allocateCredit } from './settlement';

describe('allocateCredit', () => {
  // The finding of issue 9: a −€9,500 credit note for the €9,941 enterprise invoice, by what is still due.
  it.each<[string, number, number[], { toInvoicesCents: number[]; toBalanceCents: number }]>([
    // unpaid: 994100 due; 950000 off it (44100 still due), nothing spendable
    ['unpaid', 950_000, [994_100], { toInvoicesCents: [950_000], toBalanceCents: 0 }],
    // paid: nothing due; all 950000 spendable
    ['paid', 950_000, [0], { toInvoicesCents: [0], toBalanceCents: 950_000 }],
    // partly paid, 300000 still due: 300000 off it (now paid), 950000 − 300000 = 650000 spendable
    ['partly paid', 950_000, [300_000], { toInvoicesCents: [300_000], toBalanceCents: 650_000 }],
    // no unpaid invoice at all: all 950000 spendable
    ['absent', 950_000, [], { toInvoicesCents: [], toBalanceCents: 950_000 }],
    // two unpaid, 994100 and 4900, in that order: 950000 off the first, nothing reaches the second
    ['unpaid, with an older one unpaid too', 950_000, [994_100, 4_900], { toInvoicesCents: [950_000, 0], toBalanceCents: 0 }],
    // two unpaid, 900000 and 4900: 900000 off the first, 4900 off the second, 950000 − 904900 = 45100 spendable
    [
      'smaller than the credit, with an older one unpaid too',
      950_000,
      [900_000, 4_900],
      { toInvoicesCents: [900_000, 4_900], toBalanceCents: 45_100 },
    ],
  ])(
    'when the credited invoice is %s, then the credit reduces what is due first and only the rest is spendable',
    (_case, credit, dues, expected) => {
      const allocation = allocateCredit(credit, dues);
      expect(allocation).toEqual(expected);
      expect(allocation.toInvoicesCents.reduce((sum, cents) => sum + cents, 0) + allocation.toBalanceCents).toBe(credit);
    },
  );

  it('when an amount is negative or fractional, then it throws a RangeError', () => {
    expect(() => allocateCredit(-1, [])).toThrow(RangeError);
    expect(() => allocateCredit(1, [0.5])).toThrow(RangeError);
  });
});
