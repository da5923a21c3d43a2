/**
 * The port to a payment provider (Stripe, Adyen, GoCardless, …). Billing calls it once for every invoice
 * and credit note issued, after the document is stored; an adapter charges the tenant's payment method
 * for an invoice or refunds a credit note and answers the status to record. Calls may repeat after a
 * crash, so an adapter must be idempotent by `documentId` (providers take it as their idempotency key).
 */
export interface PaymentProvider {
  readonly name: string;
  settle(document: PayableDocument): Promise<PaymentOutcome>;
}

export interface PayableDocument {
  documentId: string;
  tenantId: string;
  number: string;
  documentType: 'invoice' | 'credit_note';
  /**
   * What to collect: an invoice's amount due (its total less credit notes applied to it). Negative for a
   * credit note: what may be refunded (its total less what it took off unpaid invoices).
   */
  totalCents: number;
  currency: string;
  dueAt: Date | undefined;
}

/** `paid`: collected; `open`: awaiting payment (outside the platform, or asynchronously); `issued`: a credit note, credited to the balance. */
export type PaymentOutcome = 'paid' | 'open' | 'issued';

/**
 * The default: no provider. Invoices stay `open` until paid outside the platform, and credit notes go to
 * the tenant's credit balance (applied to the next invoices), which is where they already are.
 */
export const manualPayments: PaymentProvider = {
  name: 'manual',
  settle: (document) => Promise.resolve(document.documentType === 'credit_note' ? 'issued' : document.totalCents > 0 ? 'open' : 'paid'),
};
