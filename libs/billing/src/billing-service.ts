import { domainEventFactory } from '@tenantry/event-bus';
import { PersistentIdempotencyStore } from '@tenantry/http';
import type { Platform, ServiceContext, ServiceDefinition, StartedService } from '@tenantry/runtime';
import type { Logger } from '@tenantry/telemetry';
import { AccountTimezones } from './accounts/account-timezones';
import { accountsCollection, subscriptionIndexCollection } from './accounts/account.collection';
import { createBillingApp } from './billing-app';
import { loadBillingConfig } from './billing-config';
import { catalogPricing } from './domain';
import { invoicesCollection } from './invoices/invoice.collection';
import { Invoices } from './invoices/invoices';
import { manualPayments, type PaymentProvider } from './invoices/payment-provider';
import { MeteringConsumer, UsageLedger, usageShardsCollection } from './metering';
import { parkedSlaCreditsCollection, SlaCredits, subscribeToSlaBreaches } from './sla-credits';
import { BillingScheduler } from './subscriptions/scheduler';
import { Subscriptions } from './subscriptions/subscriptions';
import { subscribeToTenantEvents } from './subscriptions/tenant-events';
import { overageLinesFrom } from './usage/usage-report';

/** The CloudEvents `source` of every event billing emits. */
export const EVENT_SOURCE = '/tenantry/billing';

/**
 * The billing service (MISSION §4): the plan catalog, subscriptions with proration, metering of the
 * gateway's usage events, invoices and credit notes. Started alone (apps/billing) or with the others.
 */
export const billingService: ServiceDefinition = {
  name: 'billing',
  // The database (its records, processed event ids, idempotency records, the outbox) and the event bus; no cache.
  needs: { persistence: true, eventBus: true, cache: false },
  start: (platform, logger, context) => startBilling(platform, logger, context),
};

export interface BillingOptions {
  /** The billing clock (tests move it to period ends); default the system clock. */
  clock?: () => Date;
  payments?: PaymentProvider;
}

/** What tests reach into: the use cases and the scheduler, to run a pass at a chosen time. */
export interface StartedBilling extends StartedService {
  subscriptions: Subscriptions;
  invoices: Invoices;
  ledger: UsageLedger;
  scheduler: BillingScheduler;
  slaCredits: SlaCredits;
}

export async function startBilling(
  platform: Platform,
  logger: Logger,
  context: ServiceContext,
  options: BillingOptions = {},
): Promise<StartedBilling> {
  const env = loadBillingConfig(context.env);
  const clock = options.clock ?? (() => new Date());
  const payments = options.payments ?? manualPayments;
  const { persistence } = platform;
  const [accounts, index, invoiceRepository, usageShards, idempotencyStore, processedEvents] = await Promise.all([
    persistence.repository(accountsCollection),
    persistence.repository(subscriptionIndexCollection),
    persistence.repository(invoicesCollection),
    persistence.repository(usageShardsCollection),
    PersistentIdempotencyStore.open(persistence),
    persistence.processedEventStore(),
  ]);
  const pricing = catalogPricing(env.BILLING_OVERAGE_PRICES);
  const ledger = new UsageLedger(usageShards);
  const newEvent = domainEventFactory(EVENT_SOURCE);
  const invoices = new Invoices({ invoices: invoiceRepository, payments, newEvent, outbox: platform.outboxRelay, clock, logger });
  const subscriptions = new Subscriptions({
    accounts,
    index,
    invoices,
    outbox: platform.outboxRelay,
    pricing,
    overageLines: overageLinesFrom(ledger, pricing),
    newEvent,
    logger,
    clock,
    defaultTrialEndBehavior: env.BILLING_TRIAL_END_BEHAVIOR,
  });

  const slaCredits = new SlaCredits({ accounts, parked: await persistence.repository(parkedSlaCreditsCollection), logger });
  const consumers = await Promise.all([
    // Idempotent by construction (revisions), so without the processed-event store.
    subscribeToTenantEvents(platform.bus, subscriptions),
    invoices.subscribe(platform.bus, processedEvents),
    // Batches of events, idempotent through its shard documents' recent event fingerprints.
    new MeteringConsumer({ usageShards, timezones: new AccountTimezones(accounts), logger }).subscribe(platform.bus),
    subscribeToSlaBreaches(platform.bus, slaCredits),
  ]);
  const scheduler = new BillingScheduler({
    subscriptions,
    invoices,
    intervalMs: env.BILLING_SCHEDULER_INTERVAL,
    batch: env.BILLING_SCHEDULER_BATCH,
    logger,
  });
  if (env.ENABLE_BILLING_SCHEDULER) scheduler.start();
  platform.housekeeping.every(idempotencyStore.pruningTask());
  platform.housekeeping.every(slaCredits.adoptionTask());
  logger.info({ paymentProvider: payments.name, trialEndBehavior: env.BILLING_TRIAL_END_BEHAVIOR }, 'billing ready');

  const app = createBillingApp({
    logger,
    readiness: platform.readiness,
    internalSecret: platform.config.internalSecret.value,
    identityMaxAgeMs: platform.config.identityMaxAgeMs,
    subscriptions,
    invoices,
    ledger,
    pricing,
    idempotencyStore,
    clock,
  });
  return {
    app,
    subscriptions,
    invoices,
    ledger,
    scheduler,
    slaCredits,
    async stop() {
      await scheduler.stop();
      await Promise.all(consumers.map((consumer) => consumer.stop({ timeoutMs: 10_000 })));
    },
  };
}
