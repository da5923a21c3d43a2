import { domainEventFactory } from '@tenantry/event-bus';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { accountsCollection, subscriptionIndexCollection } from '../accounts/account.collection';
import { AccountTimezones } from '../accounts/account-timezones';
import { catalogPricing } from '../domain';
import { invoicesCollection } from '../invoices/invoice.collection';
import { Invoices } from '../invoices/invoices';
import { manualPayments } from '../invoices/payment-provider';
import { MeteringConsumer, UsageLedger, usageShardsCollection } from '../metering';
import { Subscriptions } from '../subscriptions/subscriptions';
import { overageLinesFrom } from '../usage/usage-report';

/**
 * Billing's use cases and consumers wired on in-memory persistence, without HTTP or a bus, with a
 * clock the test sets: for tests that hand events to the consumers themselves (the permutation specs).
 */
export async function inMemoryBilling(start: Date) {
  const persistence = createInMemoryPersistence();
  const logger = createLogger({ service: 'billing', level: 'silent' });
  let now = start;
  const clock = () => now;
  const [accounts, index, invoiceRepository, usageShards] = await Promise.all([
    persistence.repository(accountsCollection),
    persistence.repository(subscriptionIndexCollection),
    persistence.repository(invoicesCollection),
    persistence.repository(usageShardsCollection),
  ]);
  const newEvent = domainEventFactory('/tenantry/billing');
  const outbox = { notify: () => undefined };
  const pricing = catalogPricing();
  const ledger = new UsageLedger(usageShards);
  const invoices = new Invoices({ invoices: invoiceRepository, payments: manualPayments, newEvent, outbox, clock, logger });
  const subscriptions = new Subscriptions({
    accounts,
    index,
    invoices,
    outbox,
    pricing,
    overageLines: overageLinesFrom(ledger, pricing),
    newEvent,
    logger,
    clock,
    defaultTrialEndBehavior: 'convert',
  });
  const timezones = new AccountTimezones(accounts);
  const metering = new MeteringConsumer({ usageShards, timezones, logger });
  return {
    subscriptions,
    invoices,
    ledger,
    metering,
    timezones,
    setNow(at: Date) {
      now = at;
    },
    close: () => persistence.close(),
  };
}
