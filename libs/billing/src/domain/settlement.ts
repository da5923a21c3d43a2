import { singleUnitLine, type LineDraft } from './lines';
import { assertInteger, assertNonNegativeInteger, sumCents } from './money';

export interface Settlement {
  documentType: 'invoice' | 'credit_note';
  /** The input lines plus, when credit balance is applied, one negative 'credit' line "Credit balance applied". */
  lines: LineDraft[];
  /** The sum of `lines`, always. */
  subtotalCents: number;
  /** = subtotal (no taxes). */
  totalCents: number;
  creditAppliedCents: number;
  /** The tenant's credit balance after this document. */
  creditBalanceCents: number;
}

/**
 * Turns a document's lines into what is owed. A positive sum is reduced by the tenant's credit balance
 * (≥ 0), never below zero; what is applied shows as its own line so the totals still add up on paper. A
 * negative sum makes a credit note whose amount is added to the balance (money is kept for the next
 * invoices rather than paid out). A zero sum is an invoice of 0 that leaves the balance alone.
 */
export function settle(lines: readonly LineDraft[], creditBalanceCents: number): Settlement {
  assertNonNegativeInteger(creditBalanceCents, 'creditBalanceCents');
  for (const line of lines) assertInteger(line.amountCents, `amount of "${line.description}"`);
  const sum = sumCents(lines.map((line) => line.amountCents));

  if (sum < 0) {
    return { documentType: 'credit_note', lines: [...lines], subtotalCents: sum, totalCents: sum, creditAppliedCents: 0, creditBalanceCents: creditBalanceCents - sum };
  }
  const applied = Math.min(sum, creditBalanceCents);
  const settled = applied === 0 ? [...lines] : [...lines, singleUnitLine('credit', 'Credit balance applied', -applied)];
  const subtotal = sum - applied;
  return { documentType: 'invoice', lines: settled, subtotalCents: subtotal, totalCents: subtotal, creditAppliedCents: applied, creditBalanceCents: creditBalanceCents - applied };
}
