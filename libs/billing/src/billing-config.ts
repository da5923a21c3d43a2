import { duration, flag, int, jsonField, oneOf, parseEnv, type Env } from '@tenantry/config';
import { planIdSchema, TRIAL_END_BEHAVIORS } from '@tenantry/contracts';
import { z } from 'zod';

const overagePricesSchema = z.partialRecord(planIdSchema, z.number().int().nonnegative().max(1_000_000).nullable());

/** The billing service's own variables (the platform ones are in PlatformConfig). */
export const billingEnvSchema = z.object({
  /**
   * Overrides the catalog's overage price of some plans, in cents per 1,000 calls (`null`: never bill
   * overage), e.g. `{"pro":250}`. Applies to the usage report and to invoices issued from then on.
   */
  BILLING_OVERAGE_PRICES: jsonField(overagePricesSchema, 'a map of plan ids to cents per 1,000 calls (integers ≥ 0) or null').default({}),
  /** What a trial does at its end unless the tenant chose: invoice the first period (`convert`) or `cancel`. */
  BILLING_TRIAL_END_BEHAVIOR: oneOf(TRIAL_END_BEHAVIORS).default('convert'),
  /** How often the scheduler looks for trials and periods that ended (renewals, scheduled changes). */
  BILLING_SCHEDULER_INTERVAL: duration({ min: 100, max: 3_600_000 }).default(10_000),
  /** Accounts advanced per scheduler pass (the rest wait for the next pass). */
  BILLING_SCHEDULER_BATCH: int({ min: 1, max: 1_000 }).default(100),
  ENABLE_BILLING_SCHEDULER: flag(true),
});

export type BillingEnv = z.output<typeof billingEnvSchema>;

export function loadBillingConfig(env: Env): BillingEnv {
  return parseEnv(billingEnvSchema, env);
}
