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
  /** A credit note: what it takes off each unpaid invoice passed in (same order); empty for an invoice. */
  invoiceCreditsCents: number[];
  /** The tenant's credit balance after this document. */
  creditBalanceCents: number;
}

/** How a credit note's amount divides between the unpaid invoices it credits and the spendable balance. */
export interface CreditAllocation {
  /** Taken off each invoice's amount due, in the order given. */
  toInvoicesCents: number[];
  /** What is left: the tenant's to spend on the next invoices. */
  toBalanceCents: number;
}

/**
 * A credit for `creditCents` (≥ 0) against invoices with `amountsDueCents` (each ≥ 0) still unpaid, in
 * the order to settle them (the caller passes the credited subscription's, newest first): each amount due
 * is reduced in turn, and only the rest becomes spendable balance (as Stripe and Lago do). Otherwise a
 * credit for time not paid for would pay other invoices while its own stays open. A paid invoice has 0
 * due: the whole credit goes to the balance.
 */
export function allocateCredit(creditCents: number, amountsDueCents: readonly number[]): CreditAllocation {
  assertNonNegativeInteger(creditCents, 'creditCents');
  let left = creditCents;
  const toInvoicesCents = amountsDueCents.map((due, index) => {
    assertNonNegativeInteger(due, `amountsDueCents[${index}]`);
    const taken = Math.min(left, due);
    left -= taken;
    return taken;
  });
  return { toInvoicesCents, toBalanceCents: left };
}

/**
 * Turns a document's lines into what is owed. A positive sum is reduced by the tenant's credit balance
 * (≥ 0), never below zero; what is applied shows as its own line so the totals still add up on paper. A
 * negative sum makes a credit note: it first reduces what is still due on the unpaid invoices it credits
 * (`creditedAmountsDueCents`, in order; none when they are paid), and only the rest is added to the
 * balance (money kept for the next invoices rather than paid out). A zero sum is an invoice of 0 that
 * leaves the balance alone.
 */
export function settle(
  lines: readonly LineDraft[],
  creditBalanceCents: number,
  creditedAmountsDueCents: readonly number[] = [],
): Settlement {
  assertNonNegativeInteger(creditBalanceCents, 'creditBalanceCents');
  for (const line of lines) assertInteger(line.amountCents, `amount of "${line.description}"`);
  const sum = sumCents(lines.map((line) => line.amountCents));

  if (sum < 0) {
    const { toInvoicesCents, toBalanceCents } = allocateCredit(-sum, creditedAmountsDueCents);
    return {
      documentType: 'credit_note',
      lines: [...lines],
      subtotalCents: sum,
      totalCents: sum,
      creditAppliedCents: 0,
      invoiceCreditsCents: toInvoicesCents,
      creditBalanceCents: creditBalanceCents + toBalanceCents,
    };
  }
  const applied = Math.min(sum, creditBalanceCents);
  const settled = applied === 0 ? [...lines] : [...lines, singleUnitLine('credit', 'Credit balance applied', -applied)];
  const subtotal = sum - applied;
  return {
    documentType: 'invoice',
    lines: settled,
    subtotalCents: subtotal,
    totalCents: subtotal,
    creditAppliedCents: applied,
    invoiceCreditsCents: [],
    creditBalanceCents: creditBalanceCents - applied,
  };
}
