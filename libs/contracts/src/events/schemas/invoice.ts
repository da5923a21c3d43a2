import { z } from 'zod';
import { centsSchema, currencySchema, isoDateTimeSchema, periodSchema, tenantIdSchema } from './common';

export const invoiceLineSchema = z.object({
  kind: z.enum(['subscription', 'proration', 'overage', 'credit', 'sla_credit']),
  description: z.string().min(1).max(500),
  quantity: z.number().int().nonnegative(),
  unit_amount_cents: centsSchema,
  /** Negative for credits. */
  amount_cents: centsSchema,
  /** The service period the line pays for (or credits), when it has one. */
  period: periodSchema.optional(),
});

export const invoiceIssuedV1 = z
  .object({
    tenant_id: tenantIdSchema,
    invoice_id: z.string().min(1).max(128),
    /** Sequential per tenant, shared by invoices and credit notes. */
    number: z.string().min(1).max(64),
    /** A credit note gives money back (its total is negative); the credit goes to the tenant's balance. */
    document_type: z.enum(['invoice', 'credit_note']),
    /** Why it was issued. */
    reason: z.enum(['subscription_start', 'renewal', 'trial_conversion', 'plan_change', 'cancellation']),
    subscription_id: z.string().min(1).max(128).optional(),
    currency: currencySchema,
    period: periodSchema,
    lines: z.array(invoiceLineSchema).max(500),
    subtotal_cents: centsSchema,
    total_cents: centsSchema,
    issued_at: isoDateTimeSchema,
    due_at: isoDateTimeSchema.optional(),
    /**
     * A credit note reduces the amount due of the unpaid invoices it credits first: which ones, and by
     * how much (the rest of the credit, if any, went to the tenant's balance).
     */
    applied_to_invoices: z
      .array(z.object({ invoice_id: z.string().min(1).max(128), amount_cents: z.number().int().positive() }))
      .max(100)
      .optional(),
  })
  .refine((invoice) => invoice.total_cents === invoice.subtotal_cents, {
    message: 'total_cents must equal subtotal_cents (no taxes yet)',
    path: ['total_cents'],
  })
  .refine((invoice) => invoice.lines.reduce((sum, line) => sum + line.amount_cents, 0) === invoice.subtotal_cents, {
    message: 'subtotal_cents must equal the sum of the lines',
    path: ['subtotal_cents'],
  });

/** Which invoice an event after its issue is about, and its amount. */
const invoiceReferenceShape = {
  tenant_id: tenantIdSchema,
  invoice_id: z.string().min(1).max(128),
  number: z.string().min(1).max(64),
  amount_cents: centsSchema,
  currency: currencySchema,
};

/**
 * An invoice was paid: collected by the payment provider, or recorded by the platform admin as paid
 * outside the platform (bank transfer, …). Published once per invoice, with the status change.
 */
export const invoicePaidV1 = z.object({
  ...invoiceReferenceShape,
  paid_at: isoDateTimeSchema,
  /**
   * `provider`: collected by the payment provider; `manual`: recorded by the platform admin;
   * `credit_balance`: the tenant's credit balance covered it all (a total of 0).
   */
  method: z.enum(['provider', 'manual', 'credit_balance']),
  /** The provider's, or the admin's, reference of the payment (a bank transfer id, …). */
  reference: z.string().min(1).max(200).optional(),
});

/**
 * An invoice passed its due date unpaid (published once, when billing marks it `overdue`): the cue for
 * reminders, or for suspending the tenant, in whatever service does that.
 */
export const invoiceOverdueV1 = z.object({
  ...invoiceReferenceShape,
  due_at: isoDateTimeSchema,
});
