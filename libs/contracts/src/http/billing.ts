import { z } from 'zod';
import { billingIntervalSchema, centsSchema, isoDateTimeSchema, planIdSchema, tenantIdSchema } from '../events/schemas/common';
import { invoiceLineSchema } from '../events/schemas/invoice';
import { changeTimingSchema } from '../events/schemas/subscription';
import { FEATURES, UNLIMITED } from '../plans/catalog';
import { planLimitsViewSchema } from './tenants';

/**
 * HTTP bodies of the billing service (`/api/v1/monetization`), snake_case like the rest of the API.
 * Request schemas are strict (an unknown field is a 400 naming it). Money is integer cents, EUR.
 */

/**
 * `?tenant_id=` of a route that acts on one tenant: the admin names the tenant; a tenant key's own
 * tenant is implied (naming another one answers 404).
 */
export const tenantScopeQuery = z.strictObject({ tenant_id: tenantIdSchema.optional() });

/** A calendar date (`YYYY-MM-DD`) in the tenant's time zone. */
export const localDateSchema = z.iso.date();

export const TRIAL_END_BEHAVIORS = ['convert', 'cancel'] as const;
export const trialEndBehaviorSchema = z.enum(TRIAL_END_BEHAVIORS);
export type TrialEndBehavior = z.infer<typeof trialEndBehaviorSchema>;

export const subscriptionStatusSchema = z.enum(['trialing', 'active', 'cancelled']);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;

/**
 * `POST /subscribe`. With no live subscription it starts a paid one now (first invoice issued at once);
 * on a trialing subscription it ends the trial early on the chosen plan and interval. A tenant key acts
 * for its own tenant; the admin names the tenant with `?tenant_id=` (`tenantScopeQuery`).
 */
export const subscribeRequestSchema = z.strictObject({
  plan_id: planIdSchema,
  interval: billingIntervalSchema.default('monthly'),
  /** What happens when a trial ends: invoice and continue (default), or cancel. */
  trial_end_behavior: trialEndBehaviorSchema.optional(),
});
export type SubscribeRequest = z.output<typeof subscribeRequestSchema>;

/**
 * `POST /subscriptions/{id}/change[?preview=true]`: another plan and/or interval. Upgrades apply at once;
 * downgrades at period end unless `timing: "immediate"` (then with a credit note).
 */
export const changeSubscriptionRequestSchema = z
  .strictObject({
    plan_id: planIdSchema.optional(),
    interval: billingIntervalSchema.optional(),
    timing: changeTimingSchema.optional(),
  })
  .refine((change) => change.plan_id !== undefined || change.interval !== undefined, {
    message: 'Give plan_id, interval or both',
    path: ['plan_id'],
  });
export type ChangeSubscriptionRequest = z.output<typeof changeSubscriptionRequestSchema>;

/** `POST /subscriptions/{id}/cancel`: at period end (default) or now with a prorated credit note. No body: at period end. */
export const cancelSubscriptionRequestSchema = z
  .strictObject({
    timing: changeTimingSchema.default('period_end'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .default({ timing: 'period_end' });
export type CancelSubscriptionRequest = z.output<typeof cancelSubscriptionRequestSchema>;

/** `POST /invoices/{id}/mark-paid` (platform admin): an invoice paid outside the platform. */
export const markInvoicePaidRequestSchema = z
  .strictObject({
    /** When the money arrived; default now. Not in the future. */
    paid_at: isoDateTimeSchema.optional(),
    /** The payment's reference (a bank transfer id, …), kept on the invoice and in `invoice.paid`. */
    reference: z.string().trim().min(1).max(200).optional(),
  })
  .default({});
export type MarkInvoicePaidRequest = z.output<typeof markInvoicePaidRequestSchema>;

/** `POST /usage-report`: a tenant's usage between two local dates (inclusive; default: the current billing period). */
export const usageReportRequestSchema = z
  .strictObject({
    from: localDateSchema.optional(),
    to: localDateSchema.optional(),
  })
  .refine((request) => (request.from === undefined) === (request.to === undefined), {
    message: 'Give both from and to, or neither',
    path: ['to'],
  })
  .refine((request) => request.from === undefined || request.to === undefined || request.from <= request.to, {
    message: 'from must not be after to',
    path: ['to'],
  });
export type UsageReportRequest = z.output<typeof usageReportRequestSchema>;

const limitSchema = z.union([z.number().int().nonnegative(), z.literal(UNLIMITED)]);
const periodViewSchema = z.object({ start: isoDateTimeSchema, end: isoDateTimeSchema });

export const planViewSchema = z.object({
  id: planIdSchema,
  name: z.string(),
  rank: z.number().int(),
  currency: z.literal('EUR'),
  prices: z.object({ monthly: centsSchema, annual: centsSchema }),
  /** What a year on the annual price saves against twelve monthly payments. */
  annual_savings: z.object({ cents: centsSchema, percent: z.number() }),
  limits: planLimitsViewSchema,
  features: z.array(z.enum(FEATURES)),
  sla_target_percent: z.number().nullable(),
  overage_per_thousand_calls_cents: centsSchema.nullable(),
});
export type PlanView = z.output<typeof planViewSchema>;

/** `GET /compare-plans`: rows a pricing page renders as they come, one value per plan. */
export const comparePlansSchema = z.object({
  currency: z.literal('EUR'),
  plans: z.array(z.object({ id: planIdSchema, name: z.string(), rank: z.number().int() })),
  rows: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      kind: z.enum(['price', 'saving', 'limit', 'feature', 'sla', 'overage']),
      values: z.record(planIdSchema, z.union([z.number(), z.boolean(), z.string(), z.null()])),
    }),
  ),
});
export type ComparePlans = z.output<typeof comparePlansSchema>;

export const pendingChangeSchema = z.object({
  kind: z.enum(['downgrade', 'interval_change', 'cancellation']),
  plan_id: planIdSchema,
  interval: billingIntervalSchema,
  effective_at: isoDateTimeSchema,
});

export const subscriptionViewSchema = z.object({
  id: z.string(),
  tenant_id: tenantIdSchema,
  plan_id: planIdSchema,
  interval: billingIntervalSchema,
  status: subscriptionStatusSchema,
  trial_ends_at: isoDateTimeSchema.nullable(),
  trial_end_behavior: trialEndBehaviorSchema,
  /** The cycle's anchor: periods end on its day of month (clamped to shorter months) and time of day. */
  billing_cycle_anchor: isoDateTimeSchema,
  current_period: periodViewSchema,
  /** A scheduled downgrade, interval change or cancellation, applied at `effective_at`. */
  pending_change: pendingChangeSchema.nullable(),
  cancelled_at: isoDateTimeSchema.nullable(),
  created_at: isoDateTimeSchema,
});
export type SubscriptionView = z.output<typeof subscriptionViewSchema>;

export const invoiceViewSchema = z.object({
  /** Absent on a preview. */
  id: z.string().nullable(),
  tenant_id: tenantIdSchema,
  number: z.string().nullable(),
  document_type: z.enum(['invoice', 'credit_note']),
  reason: z.enum(['subscription_start', 'renewal', 'trial_conversion', 'plan_change', 'cancellation']),
  /** `overdue`: an invoice still unpaid after its `due_at`; `issued`: a credit note. */
  status: z.enum(['draft', 'open', 'overdue', 'paid', 'issued']),
  subscription_id: z.string().nullable(),
  currency: z.literal('EUR'),
  period: periodViewSchema,
  lines: z.array(invoiceLineSchema),
  subtotal_cents: centsSchema,
  total_cents: centsSchema,
  issued_at: isoDateTimeSchema.nullable(),
  due_at: isoDateTimeSchema.nullable(),
  /** When an invoice was paid (null until then, and for credit notes), and the payment's reference. */
  paid_at: isoDateTimeSchema.nullable(),
  payment_reference: z.string().nullable(),
  /** What is still to be paid: the total less credit notes applied to it; 0 once paid, and for a credit note. */
  amount_due_cents: centsSchema,
  /** An invoice: what credit notes took off it (they reduce an unpaid invoice before anything becomes spendable credit). */
  credited_cents: centsSchema,
  /** A credit note: the unpaid invoices whose amount due it reduced first, and by how much; the rest went to the credit balance. */
  applied_to_invoices: z.array(z.object({ invoice_id: z.string(), amount_cents: centsSchema })),
});
export type InvoiceView = z.output<typeof invoiceViewSchema>;

export const changeKindSchema = z.enum(['upgrade', 'downgrade', 'interval_change']);
export type ChangeKind = z.infer<typeof changeKindSchema>;

/** The answer of a change (or its preview): what it is, when it applies, and the money it moves. */
export const subscriptionChangeResultSchema = z.object({
  preview: z.boolean(),
  kind: changeKindSchema,
  timing: changeTimingSchema,
  effective_at: isoDateTimeSchema,
  subscription: subscriptionViewSchema,
  /** The invoice or credit note the change issues now (a draft on a preview); null when nothing is billed now. */
  invoice: invoiceViewSchema.nullable(),
});
export type SubscriptionChangeResult = z.output<typeof subscriptionChangeResultSchema>;

/**
 * What the subscription's next boundary (its period end, or its trial end) will bill as things stand
 * now: the next period's fee on the plan it will be on (a scheduled change applied), the overage of the
 * usage so far, the credit balance applied. A draft: nothing is stored.
 */
export const upcomingInvoiceSchema = z.object({
  subscription_id: z.string(),
  /** When the invoice will be issued: the current period's end, or the trial's end. */
  at: isoDateTimeSchema,
  /** The subscription ends there (a scheduled cancellation, or a trial set to cancel). */
  ends_there: z.boolean(),
  /** Null when nothing is billed there (a subscription that ends with no overage). */
  invoice: invoiceViewSchema.nullable(),
});
export type UpcomingInvoice = z.output<typeof upcomingInvoiceSchema>;

export const usageReportSchema = z.object({
  tenant_id: tenantIdSchema,
  plan_id: planIdSchema,
  timezone: z.string(),
  from: localDateSchema,
  to: localDateSchema,
  days: z.array(
    z.object({
      date: localDateSchema,
      calls: z.number().int().nonnegative(),
      quota: limitSchema,
      overage_calls: z.number().int().nonnegative(),
    }),
  ),
  totals: z.object({ calls: z.number().int().nonnegative(), overage_calls: z.number().int().nonnegative() }),
  /** Nothing tracks users and storage yet: `used` is null until something does. */
  users: z.object({ used: z.null(), limit: limitSchema }),
  storage: z.object({ used_bytes: z.null(), limit_bytes: limitSchema }),
  overage: z.object({ calls: z.number().int().nonnegative(), per_thousand_calls_cents: centsSchema.nullable(), amount_cents: centsSchema }),
});
export type UsageReport = z.output<typeof usageReportSchema>;
