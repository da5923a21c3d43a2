import type { InvoiceView } from '@tenantry/contracts';
import { amountDueOf, type InvoiceFields } from './invoice.collection';

/** An issued document, or a draft (a preview: no id, no number, nothing stored). */
export function toInvoiceView(tenantId: string, fields: InvoiceFields, issued: { id: string } | 'draft'): InvoiceView {
  const draft = issued === 'draft';
  return {
    id: draft ? null : issued.id,
    tenant_id: tenantId,
    number: draft ? null : fields.number,
    document_type: fields.documentType,
    reason: fields.reason,
    status: draft ? 'draft' : fields.status,
    subscription_id: fields.subscriptionId ?? null,
    currency: fields.currency,
    period: { start: fields.periodStart.toISOString(), end: fields.periodEnd.toISOString() },
    lines: linesOf(fields),
    subtotal_cents: fields.subtotalCents,
    total_cents: fields.totalCents,
    issued_at: draft ? null : fields.issuedAt.toISOString(),
    due_at: draft ? null : (fields.dueAt?.toISOString() ?? null),
    paid_at: draft ? null : (fields.paidAt?.toISOString() ?? null),
    payment_reference: draft ? null : (fields.paymentReference ?? null),
    amount_due_cents: amountDueOf(fields),
    credited_cents: fields.creditedCents ?? 0,
    applied_to_invoices: (fields.appliedTo ?? []).map(({ invoiceId, cents }) => ({ invoice_id: invoiceId, amount_cents: cents })),
  };
}

/** The stored lines as the API and the `invoice.issued` event carry them (ISO periods). */
export function linesOf(fields: InvoiceFields): InvoiceView['lines'] {
  return fields.lines.map(({ periodStart, periodEnd, ...line }) => ({
    kind: line.kind,
    description: line.description,
    quantity: line.quantity,
    unit_amount_cents: line.unitAmountCents,
    amount_cents: line.amountCents,
    ...(periodStart && periodEnd ? { period: { start: periodStart.toISOString(), end: periodEnd.toISOString() } } : {}),
  }));
}
