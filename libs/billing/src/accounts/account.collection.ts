import { billingIntervalSchema, planIdSchema, tenantStatusSchema, trialEndBehaviorSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { slaCreditLedgerSchema } from '../sla-credits/sla-credit-ledger';

/** A tenant keeps its past subscriptions for its history; this many at most (the oldest cancelled ones go first). */
export const MAX_KEPT_SUBSCRIPTIONS = 50;

export const subscriptionStateSchema = z.object({
  id: z.string().min(1).max(64),
  planId: planIdSchema,
  interval: billingIntervalSchema,
  status: z.enum(['trialing', 'active', 'cancelled']),
  trialEndsAt: z.date().optional(),
  trialEndBehavior: trialEndBehaviorSchema,
  /** The cycle anchor: every period boundary is a whole number of intervals after it. */
  anchor: z.date(),
  /** The current period [start, end): the trial while trialing. */
  periodStart: z.date(),
  periodEnd: z.date(),
  /** A downgrade, interval change or cancellation that applies at `effectiveAt` (the period end). */
  pendingChange: z
    .object({
      kind: z.enum(['downgrade', 'interval_change', 'cancellation']),
      planId: planIdSchema,
      interval: billingIntervalSchema,
      effectiveAt: z.date(),
      reason: z.string().max(500).optional(),
    })
    .optional(),
  cancelledAt: z.date().optional(),
  cancelReason: z.string().max(500).optional(),
  createdAt: z.date(),
});
export type SubscriptionState = z.output<typeof subscriptionStateSchema>;

/**
 * One billing account per tenant (id = tenant id): the tenant as billing knows it (from tenant events),
 * its subscriptions, its credit balance and its invoice counter. Everything a billing operation changes
 * lives in this ONE document, so a change, the invoice number it takes, the balance it moves and the
 * events it emits (outbox) commit in one atomic write — the MongoDB-compatible server has no
 * multi-document transactions.
 */
export const accountsCollection = defineCollection({
  name: 'billing_accounts',
  schema: z.object({
    tenant: z.object({
      status: tenantStatusSchema,
      timezone: z.string().min(1).max(64),
      billingEmail: z.string().max(254).optional(),
      /** The tenant revision each field was last set from (tenant events arrive in any order); absent on accounts older than revisions. */
      revisions: z
        .object({
          status: z.number().int().nonnegative(),
          timezone: z.number().int().nonnegative(),
          billingEmail: z.number().int().nonnegative(),
        })
        .optional(),
      /** The account was opened by a tenant event that overtook tenant.created: no trial yet, time zone unknown. */
      awaitingCreation: z.literal(true).optional(),
    }),
    subscriptions: z.array(subscriptionStateSchema).max(MAX_KEPT_SUBSCRIPTIONS),
    /** The live (trialing or active) subscription, if any. */
    currentSubscriptionId: z.string().optional(),
    /** The revision of the last subscription event emitted (the events' per-tenant order). */
    revision: z.number().int().nonnegative(),
    /** Credit owed to the tenant (credit notes), applied to the next invoices. */
    creditBalanceCents: z.number().int().nonnegative(),
    /** The number of the last invoice or credit note issued. */
    invoiceSequence: z.number().int().nonnegative(),
    /** When the scheduler must next look at this account (trial end, period end); absent when nothing is due. */
    dueAt: z.date().optional(),
    /** SLA credits waiting for the next invoice, and the reports already credited (sla-credits/). */
    slaCredits: slaCreditLedgerSchema.optional(),
  }),
  indexes: [{ fields: { dueAt: 1 } }],
});

export type AccountFields = z.output<typeof accountsCollection.schema>;
export type Account = Stored<AccountFields>;
export type AccountRepository = TenantScopedRepository<AccountFields, z.input<typeof accountsCollection.schema>>;

/**
 * Where each subscription id lives, so that the admin can read a subscription by id alone (the accounts
 * are read by tenant). Written before the account that holds the subscription: an entry whose account
 * never got the subscription answers 404 like an unknown id.
 */
export const subscriptionIndexCollection = defineCollection({
  name: 'billing_subscription_index',
  schema: z.object({}),
});
export type SubscriptionIndexRepository = TenantScopedRepository<Record<string, never>>;

export function currentSubscription(account: AccountFields): SubscriptionState | undefined {
  return account.currentSubscriptionId === undefined
    ? undefined
    : account.subscriptions.find((subscription) => subscription.id === account.currentSubscriptionId);
}
