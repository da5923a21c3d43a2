import { z } from 'zod';
import { centsSchema, currencySchema, isoDateTimeSchema, periodSchema, tenantIdSchema } from './common';

export const invoiceLineSchema = z.object({
  kind: z.enum(['subscription', 'proration', 'overage', 'credit', 'sla_credit']),
  description: z.string().min(1).max(500),
  quantity: z.number().int().nonnegative(),
  unitAmountCents: centsSchema,
  /** Negative for credits. */
  amountCents: centsSchema,
});

export const invoiceIssuedV1 = z
  .object({
    tenantId: tenantIdSchema,
    invoiceId: z.string().min(1).max(128),
    number: z.string().min(1).max(64),
    subscriptionId: z.string().min(1).max(128).optional(),
    currency: currencySchema,
    period: periodSchema,
    lines: z.array(invoiceLineSchema).max(500),
    subtotalCents: centsSchema,
    totalCents: centsSchema,
    issuedAt: isoDateTimeSchema,
    dueAt: isoDateTimeSchema.optional(),
  })
  .refine((invoice) => invoice.lines.reduce((sum, line) => sum + line.amountCents, 0) === invoice.subtotalCents, {
    message: 'subtotalCents must equal the sum of the lines',
    path: ['subtotalCents'],
  });
