import { z } from 'zod';
import { billingIntervalSchema, currencySchema, isoDateTimeSchema, nonNegativeCentsSchema, periodSchema, planIdSchema, tenantIdSchema } from './common';

const subscriptionIdSchema = z.string().min(1).max(128);

/** When a downgrade or cancellation takes effect. */
export const changeTimingSchema = z.enum(['immediate', 'period_end']);

/** Money moved by a mid-period change, prorated to the second. */
export const prorationSchema = z.object({
  creditCents: nonNegativeCentsSchema,
  chargeCents: nonNegativeCentsSchema,
  currency: currencySchema,
});

export const subscriptionCreatedV1 = z.object({
  tenantId: tenantIdSchema,
  subscriptionId: subscriptionIdSchema,
  planId: planIdSchema,
  interval: billingIntervalSchema,
  status: z.enum(['trialing', 'active']),
  trialEndsAt: isoDateTimeSchema.optional(),
  effectiveAt: isoDateTimeSchema,
  /** The billing period the subscription is in once it takes effect. */
  period: periodSchema,
});

const planChange = {
  tenantId: tenantIdSchema,
  subscriptionId: subscriptionIdSchema,
  fromPlanId: planIdSchema,
  toPlanId: planIdSchema,
  fromInterval: billingIntervalSchema,
  interval: billingIntervalSchema,
  /** From this instant the new plan's limits and features apply. */
  effectiveAt: isoDateTimeSchema,
  /** The billing period on the new plan. */
  period: periodSchema,
  proration: prorationSchema.optional(),
};

/** An upgrade (by plan rank, never by price) applies at once. */
export const subscriptionUpgradedV1 = z.object(planChange);

export const subscriptionDowngradedV1 = z.object({
  ...planChange,
  timing: changeTimingSchema,
  /** Set when an immediate downgrade issued a credit note. */
  creditNoteId: z.string().min(1).max(128).optional(),
});

export const subscriptionCancelledV1 = z.object({
  tenantId: tenantIdSchema,
  subscriptionId: subscriptionIdSchema,
  planId: planIdSchema,
  interval: billingIntervalSchema,
  timing: changeTimingSchema,
  effectiveAt: isoDateTimeSchema,
  period: periodSchema,
  reason: z.string().max(500).optional(),
  /** Prorated credit for the unused part of the period when cancelled immediately. */
  creditCents: nonNegativeCentsSchema.optional(),
});
