import { invoiceViewSchema, upcomingInvoiceSchema, type InvoiceView } from '@tenantry/contracts';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { slaBreach } from './test-support/sla-breach';

jest.setTimeout(120_000);

const M = '/api/v1/monetization';

/**
 * Two billing replicas on Apache Kafka and the MongoDB-compatible server: a breached month reported
 * before the tenant's account exists, by two observability replicas and redelivered, lands as exactly
 * one sla_credit line of 1,990 (10 % of pro's 19,900) on the tenant's next invoice.
 */
describeWithInfra('SLA credits on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    MONGODB_URI: infra.mongodbUri,
    ADMIN_API_KEY: 'int-test-admin-key'.padEnd(40, 'a'),
  };
  const start = new Date('2025-03-01T10:00:00Z');
  let first: BillingHarness;
  let second: BillingHarness;

  beforeAll(async () => {
    first = await startBillingHarness({ env, start });
    second = await startBillingHarness({ env, start });
  });
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
  });

  const invoicesOf = async (tenantId: string): Promise<InvoiceView[]> => {
    const reply = await first.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/invoices?tenant_id=${tenantId}&limit=100`);
    return reply.body.items.map((item) => invoiceViewSchema.parse(item)).reverse();
  };

  it('when sla.breached comes before the account, twice and from two publishers, then the next invoice carries one credit of 1,990', async () => {
    const tenantId = uniqueName('ten');
    const breach = slaBreach(tenantId);
    await first.platform.bus.publish([breach, slaBreach(tenantId)]);
    await second.platform.bus.publish([breach]);
    await first.openTenant({ tenantId, tier: 'pro' });

    // Both replicas' housekeeping passes race to move a parked credit onto the account.
    await eventually(
      async () => {
        await Promise.all([first.platform.housekeeping.runAll(), second.platform.housekeeping.runAll()]);
        return (await first.billing.subscriptions.account(tenantId)).slaCredits?.pending.length === 1;
      },
      { timeoutMs: 60_000, description: 'the SLA credit pending on the account' },
    );

    const subscriptionId = await first.billing.subscriptions.liveSubscriptionId(tenantId);
    const draft = upcomingInvoiceSchema.parse(
      (await second.call(tenantKey(tenantId), 'GET', `${M}/subscriptions/${subscriptionId}/upcoming-invoice`)).body,
    );
    expect(draft.invoice?.lines.filter((line) => line.kind === 'sla_credit').map((line) => line.amount_cents)).toEqual([-1_990]);

    // Both replicas' schedulers race for the trial conversion on 15 Mar.
    for (const replica of [first, second]) replica.clock.set('2025-03-15T10:00:00Z');
    await Promise.all([first.runScheduler(), second.runScheduler()]);
    await eventually(async () => (await invoicesOf(tenantId)).length === 1, {
      timeoutMs: 30_000,
      description: 'the conversion invoice stored',
    });

    const [invoice] = await invoicesOf(tenantId);
    expect(invoice?.reason).toBe('trial_conversion');
    expect(invoice?.lines.filter((line) => line.kind === 'sla_credit').map((line) => line.amount_cents)).toEqual([-1_990]);
    expect(invoice?.total_cents).toBe(17_910);
    const account = await second.billing.subscriptions.account(tenantId);
    expect(account.slaCredits).toEqual({ pending: [], appliedReportIds: [breach.data.report_id] });
  });
});
