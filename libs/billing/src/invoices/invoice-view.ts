import type { InvoiceView } from '@tenantry/contracts';
import { amountDueOf, type InvoiceFields } from './invoice.collection';

/** An issued document, or a draft (a preview: no id, no number, nothing stored). */
export function toInvoiceView(tenantId: string, fields: InvoiceFields, issued: { id: string } | 'draft'): InvoiceView {
  const draft = issued === 'draft';
  return {
    id: draft ? null : issued.id,
    tenantId,
    number: draft ? null : fields.number,
    documentType: fields.documentType,
    reason: fields.reason,
    status: draft ? 'draft' : fields.status,
    subscriptionId: fields.subscriptionId ?? null,
    currency: fields.currency,
    period: { start: fields.periodStart.toISOString(), end: fields.periodEnd.toISOString() },
    lines: linesOf(fields),
    subtotalCents: fields.subtotalCents,
    totalCents: fields.totalCents,
    issuedAt: draft ? null : fields.issuedAt.toISOString(),
    dueAt: draft ? null : (fields.dueAt?.toISOString() ?? null),
    paidAt: draft ? null : (fields.paidAt?.toISOString() ?? null),
    paymentReference: draft ? null : (fields.paymentReference ?? null),
    amount_due_cents: amountDueOf(fields),
    credited_cents: fields.creditedCents ?? 0,
    applied_to_invoices: (fields.appliedTo ?? []).map(({ invoiceId, cents }) => ({ invoice_id: invoiceId, amount_cents: cents })),
  };
}

/** The stored lines as the API and the `invoice.issued` event carry them (ISO periods). */
export function linesOf(fields: InvoiceFields): InvoiceView['lines'] {
  return fields.lines.map(({ periodStart, periodEnd, ...line }) => ({
    ...line,
    ...(periodStart && periodEnd ? { period: { start: periodStart.toISOString(), end: periodEnd.toISOString() } } : {}),
  }));
}
