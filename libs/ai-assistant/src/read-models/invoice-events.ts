import type { TenantryEventOf } from '@tenantry/contracts';

/** What one invoice event says, in the assistant's terms: only the fields it brings. */
export interface InvoiceFact {
  tenant_id: string;
  invoice_id: string;
  number: string;
  amount_cents: number;
  currency: string;
  document_type?: 'invoice' | 'credit_note';
  issued_at?: string;
  due_at?: string;
  paid_at?: string;
  overdue_at?: string;
}

type InvoiceEvent = TenantryEventOf<'invoice.issued' | 'invoice.paid' | 'invoice.overdue'>;

/**
 * The ONE place that reads `invoice.*` data (its field names are being moved to snake_case on another
 * branch: adapt only this function).
 */
export function invoiceFactOf(event: InvoiceEvent): InvoiceFact {
  switch (event.type) {
    case 'invoice.issued': {
      const d = event.data;
      return {
        tenant_id: d.tenantId,
        invoice_id: d.invoiceId,
        number: d.number,
        amount_cents: d.totalCents,
        currency: d.currency,
        document_type: d.documentType,
        issued_at: d.issuedAt,
        ...(d.dueAt ? { due_at: d.dueAt } : {}),
      };
    }
    case 'invoice.paid': {
      const d = event.data;
      return { tenant_id: d.tenantId, invoice_id: d.invoiceId, number: d.number, amount_cents: d.amountCents, currency: d.currency, paid_at: d.paidAt };
    }
    case 'invoice.overdue': {
      const d = event.data;
      return { tenant_id: d.tenantId, invoice_id: d.invoiceId, number: d.number, amount_cents: d.amountCents, currency: d.currency, due_at: d.dueAt, overdue_at: event.time };
    }
  }
}
