import type { changeTimingSchema, invoiceLineSchema } from '@tenantry/contracts';
import type { z } from 'zod';
import type { Period } from './periods';

/** When a change takes effect: `immediate` or `period_end`. */
export type ChangeTiming = z.infer<typeof changeTimingSchema>;

export type InvoiceLineKind = z.infer<typeof invoiceLineSchema>['kind'];

/** An invoice line before it is stored: the contract's line, with its period as dates. */
export interface LineDraft {
  kind: InvoiceLineKind;
  description: string;
  quantity: number;
  unitAmountCents: number;
  /** Negative for credits. */
  amountCents: number;
  period?: Period;
}

/** A line for one unit of `amountCents` (a fee, or a credit when negative). */
export function singleUnitLine(kind: InvoiceLineKind, description: string, amountCents: number, period?: Period): LineDraft {
  return { kind, description, quantity: 1, unitAmountCents: amountCents, amountCents, ...(period ? { period } : {}) };
}
