import type { LineDraft } from './lines';
import { settle } from './settlement';

const line = (kind: LineDraft['kind'], description: string, amountCents: number): LineDraft => ({
  kind,
  description,
  quantity: 1,
  unitAmountCents: amountCents,
  amountCents,
});

const BASIC_FEE = line('subscription', 'Basic (monthly), 1 Mar 2025 – 1 Apr 2025', 4_900);
const creditApplied = (cents: number): LineDraft => line('credit', 'Credit balance applied', -cents);
// An immediate pro → basic downgrade on 16 Mar 2025 10:00 (see plan-change.spec.ts): −10003 + 2463 = −7540
const DOWNGRADE = [
  line('proration', 'Unused time on Pro (monthly) from 16 Mar 2025 10:00 UTC', -10_003),
  line('proration', 'Remaining time on Basic (monthly) from 16 Mar 2025 10:00 UTC', 2_463),
];
// The opposite upgrade: −2463 + 10003 = 7540
const UPGRADE = [
  line('proration', 'Unused time on Basic (monthly) from 16 Mar 2025 10:00 UTC', -2_463),
  line('proration', 'Remaining time on Pro (monthly) from 16 Mar 2025 10:00 UTC', 10_003),
];

describe('settle', () => {
  it.each<
    [
      string,
      LineDraft[],
      number,
      {
        documentType: 'invoice' | 'credit_note';
        lines: LineDraft[];
        subtotalCents: number;
        creditAppliedCents: number;
        creditBalanceCents: number;
      },
    ]
  >([
    // 4900 owed, no balance: nothing applied
    [
      'a zero balance',
      [BASIC_FEE],
      0,
      { documentType: 'invoice', lines: [BASIC_FEE], subtotalCents: 4_900, creditAppliedCents: 0, creditBalanceCents: 0 },
    ],
    // 4900 owed, 1000 held: 4900 − 1000 = 3900 due, balance 0
    [
      'a smaller balance',
      [BASIC_FEE],
      1_000,
      {
        documentType: 'invoice',
        lines: [BASIC_FEE, creditApplied(1_000)],
        subtotalCents: 3_900,
        creditAppliedCents: 1_000,
        creditBalanceCents: 0,
      },
    ],
    // 4900 owed, 4900 held: 0 due, balance 0
    [
      'an equal balance',
      [BASIC_FEE],
      4_900,
      {
        documentType: 'invoice',
        lines: [BASIC_FEE, creditApplied(4_900)],
        subtotalCents: 0,
        creditAppliedCents: 4_900,
        creditBalanceCents: 0,
      },
    ],
    // 4900 owed, 10000 held: 0 due, 10000 − 4900 = 5100 carried over
    [
      'a bigger balance',
      [BASIC_FEE],
      10_000,
      {
        documentType: 'invoice',
        lines: [BASIC_FEE, creditApplied(4_900)],
        subtotalCents: 0,
        creditAppliedCents: 4_900,
        creditBalanceCents: 5_100,
      },
    ],
    // −7540: a credit note; the balance grows 1000 + 7540 = 8540, nothing applied
    [
      'a negative sum',
      DOWNGRADE,
      1_000,
      { documentType: 'credit_note', lines: DOWNGRADE, subtotalCents: -7_540, creditAppliedCents: 0, creditBalanceCents: 8_540 },
    ],
    // +7540 against the 8540 that credit note left: 0 due, 8540 − 7540 = 1000 left
    [
      'a balance from an earlier credit note',
      UPGRADE,
      8_540,
      {
        documentType: 'invoice',
        lines: [...UPGRADE, creditApplied(7_540)],
        subtotalCents: 0,
        creditAppliedCents: 7_540,
        creditBalanceCents: 1_000,
      },
    ],
    // nothing to bill: an invoice of 0, the balance untouched
    ['no lines', [], 300, { documentType: 'invoice', lines: [], subtotalCents: 0, creditAppliedCents: 0, creditBalanceCents: 300 }],
  ])('when settling against %s, then the document and the balance after are as expected', (_case, lines, balance, expected) => {
    const settlement = settle(lines, balance);
    expect(settlement).toEqual({ ...expected, totalCents: expected.subtotalCents, invoiceCreditsCents: [] });
    expect(settlement.subtotalCents).toBe(settlement.lines.reduce((sum, each) => sum + each.amountCents, 0));
  });

  // The credit note of DOWNGRADE (7540) against the invoice it credits, by how much of it is still due.
  it.each<[string, number[], number, { invoiceCreditsCents: number[]; creditBalanceCents: number }]>([
    // paid: nothing due, 1000 + 7540 = 8540 spendable
    ['a paid invoice', [0], 1_000, { invoiceCreditsCents: [0], creditBalanceCents: 8_540 }],
    // unpaid 7540: the whole credit settles it, the balance stays 1000
    ['an unpaid invoice of exactly the credit', [7_540], 1_000, { invoiceCreditsCents: [7_540], creditBalanceCents: 1_000 }],
    // unpaid 10003: 7540 off it (2463 still due), nothing spendable, the balance stays 1000
    ['an unpaid invoice bigger than the credit', [10_003], 1_000, { invoiceCreditsCents: [7_540], creditBalanceCents: 1_000 }],
    // partly paid, 2463 of it still due: 2463 off it (paid), 7540 − 2463 = 5077 spendable, 1000 + 5077 = 6077
    ['a partly paid invoice', [2_463], 1_000, { invoiceCreditsCents: [2_463], creditBalanceCents: 6_077 }],
    // two unpaid, 5000 and 4000: 5000 off the first, 7540 − 5000 = 2540 off the second (1460 still due), nothing spendable
    ['two unpaid invoices', [5_000, 4_000], 1_000, { invoiceCreditsCents: [5_000, 2_540], creditBalanceCents: 1_000 }],
  ])(
    'when a credit note credits %s, then what is due on it is reduced first and only the rest becomes balance',
    (_case, due, balance, expected) => {
      expect(settle(DOWNGRADE, balance, due)).toEqual({
        documentType: 'credit_note',
        lines: DOWNGRADE,
        subtotalCents: -7_540,
        totalCents: -7_540,
        creditAppliedCents: 0,
        ...expected,
      });
    },
  );

  it('when the balance is negative, then it throws a RangeError', () => {
    expect(() => settle([BASIC_FEE], -1)).toThrow(RangeError);
  });

  it('when a line has a fractional amount, then it throws a RangeError', () => {
    expect(() => settle([line('subscription', 'Odd', 49.5)], 0)).toThrow(RangeError);
  });
});
