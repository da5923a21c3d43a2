import { invoiceLineSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

export const INVOICE_ID_PREFIX = 'in_';

/**
 * Issued invoices and credit notes, one document each, never changed afterwards except for their
 * payment status (and when and how it was paid). The account write that issues one commits its `invoice.issued` event (outbox) with the
 * whole invoice in it; this document is written right after and, should the process die in between, by
 * the projection of that event (`InvoiceProjection`): both insert the same id, so there is one document.
 */
export const invoicesCollection = defineCollection({
  name: 'billing_invoices',
  idPrefix: INVOICE_ID_PREFIX,
  schema: z.object({
    number: z.string().min(1).max(64),
    documentType: z.enum(['invoice', 'credit_note']),
    reason: z.enum(['subscription_start', 'renewal', 'trial_conversion', 'plan_change', 'cancellation']),
    /** `open` until paid; `overdue` once unpaid past `dueAt` (the scheduler marks it); a credit note is `issued`. */
    status: z.enum(['open', 'overdue', 'paid', 'issued']),
    subscriptionId: z.string().optional(),
    currency: z.literal('EUR'),
    periodStart: z.date(),
    periodEnd: z.date(),
    lines: z.array(
      z.object({
        kind: invoiceLineSchema.shape.kind,
        description: z.string(),
        quantity: z.number().int().nonnegative(),
        unitAmountCents: z.number().int(),
        amountCents: z.number().int(),
        periodStart: z.date().optional(),
        periodEnd: z.date().optional(),
      }),
    ),
    subtotalCents: z.number().int(),
    totalCents: z.number().int(),
    issuedAt: z.date(),
    dueAt: z.date().optional(),
    /** Set with `status: paid` (by the payment provider, or by the admin for a payment made outside the platform). */
    paidAt: z.date().optional(),
    paymentReference: z.string().max(200).optional(),
    /**
     * An invoice: what credit notes took off it (they reduce an unpaid invoice before anything becomes
     * spendable balance), and which ones, so that applying one twice is a no-op. Due: total − credited.
     */
    creditedCents: z.number().int().nonnegative().optional(),
    creditNoteIds: z.array(z.string().max(128)).max(500).optional(),
    /** A credit note: the unpaid invoices whose amount due it reduced first, and by how much (the rest went to the balance). */
    appliedTo: z
      .array(z.object({ invoiceId: z.string().max(128), cents: z.number().int().positive() }))
      .max(100)
      .optional(),
  }),
  indexes: [{ fields: { tenantId: 1, number: 1 }, unique: true }, { fields: { status: 1, dueAt: 1 } }],
});

export type InvoiceFields = z.output<typeof invoicesCollection.schema>;
export type Invoice = Stored<InvoiceFields>;
export type InvoiceRepository = TenantScopedRepository<InvoiceFields, z.input<typeof invoicesCollection.schema>>;

/** What is still to be paid on an invoice: its total less the credit notes applied to it; 0 once paid (and for a credit note). */
export function amountDueOf(fields: Pick<InvoiceFields, 'documentType' | 'status' | 'totalCents' | 'creditedCents'>): number {
  if (fields.documentType !== 'invoice' || fields.status === 'paid') return 0;
  return Math.max(0, fields.totalCents - (fields.creditedCents ?? 0));
}
