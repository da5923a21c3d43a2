import type { InvoiceRecord } from '../read-models/invoice.collection';

/** Where an invoice stands at `now`, from the invoice events seen. Credit notes are not payments due. */
export type InvoiceStanding = 'paid' | 'open' | 'overdue' | 'credit_note';

/**
 * `paid` once `invoice.paid` was seen; `overdue` once `invoice.overdue` was seen, or when its due date
 * passed with neither event (billing may not have marked it yet); else `open`.
 */
export function invoiceStanding(invoice: InvoiceRecord, now: Date): InvoiceStanding {
  if (invoice.document_type === 'credit_note') return 'credit_note';
  if (invoice.status === 'paid') return 'paid';
  if (invoice.status === 'overdue') return 'overdue';
  return invoice.due_at !== undefined && Date.parse(invoice.due_at) < now.getTime() ? 'overdue' : 'open';
}

export interface InvoiceTotals {
  count: number;
  amount_cents: number;
  numbers: string[];
}

/** Count, amount and numbers of the invoices in each standing. */
export function invoiceTotals(invoices: readonly InvoiceRecord[], now: Date): Record<InvoiceStanding, InvoiceTotals> {
  const totals: Record<InvoiceStanding, InvoiceTotals> = {
    paid: { count: 0, amount_cents: 0, numbers: [] },
    open: { count: 0, amount_cents: 0, numbers: [] },
    overdue: { count: 0, amount_cents: 0, numbers: [] },
    credit_note: { count: 0, amount_cents: 0, numbers: [] },
  };
  for (const invoice of [...invoices].sort((a, b) => a.number.localeCompare(b.number))) {
    const bucket = totals[invoiceStanding(invoice, now)];
    bucket.count += 1;
    bucket.amount_cents += invoice.amount_cents;
    bucket.numbers.push(invoice.number);
  }
  return totals;
}
