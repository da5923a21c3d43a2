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
        tenant_id: d.tenant_id,
        invoice_id: d.invoice_id,
        number: d.number,
        amount_cents: d.total_cents,
        currency: d.currency,
        document_type: d.document_type,
        issued_at: d.issued_at,
        ...(d.due_at ? { due_at: d.due_at } : {}),
      };
    }
    case 'invoice.paid': {
      const d = event.data;
      return {
        tenant_id: d.tenant_id,
        invoice_id: d.invoice_id,
        number: d.number,
        amount_cents: d.amount_cents,
        currency: d.currency,
        paid_at: d.paid_at,
      };
    }
    case 'invoice.overdue': {
      const d = event.data;
      return {
        tenant_id: d.tenant_id,
        invoice_id: d.invoice_id,
        number: d.number,
        amount_cents: d.amount_cents,
        currency: d.currency,
        due_at: d.due_at,
        overdue_at: event.time,
      };
    }
  }
}
