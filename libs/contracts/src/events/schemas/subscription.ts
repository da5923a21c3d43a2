import { z } from 'zod';
import {
  billingIntervalSchema,
  currencySchema,
  isoDateTimeSchema,
  nonNegativeCentsSchema,
  periodSchema,
  planIdSchema,
  tenantIdSchema,
} from './common';

const subscriptionIdSchema = z.string().min(1).max(128);

/**
 * Orders a tenant's subscription events: billing counts up by one for every subscription event of a
 * tenant (across its successive subscriptions). A consumer keeps the highest revision it applied and
 * ignores an event with a lower one, so duplicates and out-of-order deliveries leave the same state.
 */
export const subscriptionRevisionSchema = z.number().int().positive();

/** Every subscription event is published when it takes effect (a scheduled change when its time comes). */

/** When a downgrade or cancellation takes effect. */
export const changeTimingSchema = z.enum(['immediate', 'period_end']);

/** Money moved by a mid-period change, prorated to the second. */
export const prorationSchema = z.object({
  credit_cents: nonNegativeCentsSchema,
  charge_cents: nonNegativeCentsSchema,
  currency: currencySchema,
});

export const subscriptionCreatedV1 = z.object({
  tenant_id: tenantIdSchema,
  revision: subscriptionRevisionSchema,
  subscription_id: subscriptionIdSchema,
  plan_id: planIdSchema,
  interval: billingIntervalSchema,
  status: z.enum(['trialing', 'active']),
  trial_ends_at: isoDateTimeSchema.optional(),
  effective_at: isoDateTimeSchema,
  /** The billing period the subscription is in once it takes effect. */
  period: periodSchema,
});

const planChange = {
  tenant_id: tenantIdSchema,
  revision: subscriptionRevisionSchema,
  subscription_id: subscriptionIdSchema,
  from_plan_id: planIdSchema,
  to_plan_id: planIdSchema,
  from_interval: billingIntervalSchema,
  interval: billingIntervalSchema,
  /** From this instant the new plan's limits and features apply. */
  effective_at: isoDateTimeSchema,
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
  credit_note_id: z.string().min(1).max(128).optional(),
});

export const subscriptionCancelledV1 = z.object({
  tenant_id: tenantIdSchema,
  revision: subscriptionRevisionSchema,
  subscription_id: subscriptionIdSchema,
  plan_id: planIdSchema,
  interval: billingIntervalSchema,
  timing: changeTimingSchema,
  effective_at: isoDateTimeSchema,
  period: periodSchema,
  reason: z.string().max(500).optional(),
  /** Prorated credit for the unused part of the period when cancelled immediately. */
  credit_cents: nonNegativeCentsSchema.optional(),
});

/** A trial converted into a paid subscription (at trial end, or early through `POST /subscribe`). */
export const subscriptionActivatedV1 = z.object({
  tenant_id: tenantIdSchema,
  revision: subscriptionRevisionSchema,
  subscription_id: subscriptionIdSchema,
  plan_id: planIdSchema,
  interval: billingIntervalSchema,
  effective_at: isoDateTimeSchema,
  period: periodSchema,
});

/**
 * The same plan on another billing interval (e.g. annual → monthly): neither an upgrade nor a
 * downgrade, since plans are ordered by rank, never by price per day. Limits and features do not change.
 */
export const subscriptionIntervalChangedV1 = z.object({
  tenant_id: tenantIdSchema,
  revision: subscriptionRevisionSchema,
  subscription_id: subscriptionIdSchema,
  plan_id: planIdSchema,
  from_interval: billingIntervalSchema,
  interval: billingIntervalSchema,
  timing: changeTimingSchema,
  effective_at: isoDateTimeSchema,
  period: periodSchema,
  proration: prorationSchema.optional(),
  credit_note_id: z.string().min(1).max(128).optional(),
});
