import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import type { InvoiceFact } from './invoice-events';

const invoiceSchema = z.object({
  invoice_id: z.string(),
  number: z.string(),
  amount_cents: z.number().int(),
  currency: z.string(),
  document_type: z.enum(['invoice', 'credit_note']).optional(),
  issued_at: z.string().optional(),
  due_at: z.string().optional(),
  paid_at: z.string().optional(),
  overdue_at: z.string().optional(),
  /** Derived: paid wins over overdue, whichever event came first. */
  status: z.enum(['issued', 'paid', 'overdue']),
});

/** A tenant's invoices and payments, merged field by field from `invoice.*`: any order, any repetition, one result. */
export const invoicesCollection = defineCollection({
  name: 'assistant_invoices',
  schema: invoiceSchema,
  indexes: [{ fields: { tenantId: 1, status: 1 } }],
});

export type InvoiceRecord = Stored<z.output<typeof invoiceSchema>>;
export type InvoiceRepository = TenantScopedRepository<z.output<typeof invoiceSchema>, z.input<typeof invoiceSchema>>;

export const invoiceDocumentId = (invoiceId: string): string => `invoice:${invoiceId}`;

export function applyInvoiceFact(current: z.output<typeof invoiceSchema> | null, fact: InvoiceFact): z.input<typeof invoiceSchema> | null {
  const { tenant_id: _tenant, ...fields } = fact;
  const merged = { ...(current ?? {}), ...fields };
  // `invoice.issued` carries the signed total; the other events repeat the amount: keep the issued one.
  if (current?.issued_at && !fact.issued_at) merged.amount_cents = current.amount_cents;
  const next = { ...merged, status: merged.paid_at ? ('paid' as const) : merged.overdue_at ? ('overdue' as const) : ('issued' as const) };
  if (current && JSON.stringify(strip(current)) === JSON.stringify(strip(next))) return null;
  return next;
}

function strip(document: object): Record<string, unknown> {
  const { id: _id, tenantId: _t, version: _v, createdAt: _c, updatedAt: _u, ...rest } = document as Record<string, unknown>;
  return Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
}
