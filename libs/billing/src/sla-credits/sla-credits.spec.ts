import { invoiceViewSchema, upcomingInvoiceSchema, type InvoiceView } from '@tenantry/contracts';
import { eventually, uniqueName } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { slaBreach, tenantCreated } from './test-support/sla-breach';
import { factsOfCreated } from '../subscriptions/tenant-facts';

/**
 * SLA credits on in-memory adapters: `sla.breached` (1,990 = 10 % of pro's 19,900) ends up as ONE
 * sla_credit line on the tenant's next invoice, whatever the order of the events and however often
 * they come.
 */

const M = '/api/v1/monetization';
const START = new Date('2025-03-01T10:00:00Z');

let harness: BillingHarness;

beforeEach(async () => {
  harness = await startBillingHarness({ start: START });
});

afterEach(async () => {
  await harness.close();
});

async function invoicesOf(tenantId: string): Promise<InvoiceView[]> {
  const reply = await harness.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/invoices?tenant_id=${tenantId}&limit=100`);
  expect(reply.status).toBe(200);
  return reply.body.items.map((item) => invoiceViewSchema.parse(item)).reverse();
}

const slaLines = (invoice: InvoiceView | null | undefined) =>
  invoice?.lines.filter((line) => line.kind === 'sla_credit').map((line) => line.amount_cents);

async function subscribePro(tenantId: string): Promise<InvoiceView> {
  const reply = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'pro', interval: 'monthly' });
  expect(reply.status).toBe(201);
  return invoiceViewSchema.parse(reply.body.invoice);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('when tenant.created and sla.breached arrive in any order, with the report sent twice', () => {
  const steps = ['tenant.created', 'sla.breached', 'sla.breached from another observability replica'] as const;

  it.each(permutations(steps).map((order) => [order.join(' → '), order] as const))(
    '%s, then the next invoice has exactly one credit of 1,990',
    async (_name, order) => {
      const tenantId = uniqueName('ten');
      for (const step of order) {
        // What billing's consumers do with each event, in this order.
        if (step === 'tenant.created')
          await harness.billing.subscriptions.followTenant(factsOfCreated(tenantCreated(tenantId, START).data));
        else await harness.billing.slaCredits.receive(slaBreach(tenantId).data);
      }
      // The periodic housekeeping pass moves a credit parked before the account existed onto it.
      await harness.platform.housekeeping.runAll();

      const invoice = await subscribePro(tenantId);
      expect(slaLines(invoice)).toEqual([-1_990]);
      expect(invoice.total_cents).toBe(19_900 - 1_990);
      expect(await harness.billing.slaCredits.adoptParked()).toBe(0);
    },
  );
});

describe('sla.breached through the bus', () => {
  it('when the report is delivered twice and published by two replicas, then the draft and the next invoice show one credit, and later invoices none', async () => {
    const tenantId = await harness.openTenant({ tier: 'pro' });
    const breach = slaBreach(tenantId);
    await harness.platform.bus.publish([breach, breach, slaBreach(tenantId)]);
    await eventually(async () => (await harness.billing.subscriptions.account(tenantId)).slaCredits?.pending.length === 1, {
      description: 'the credit pending',
    });

    const trialId = await harness.billing.subscriptions.liveSubscriptionId(tenantId);
    const draft = upcomingInvoiceSchema.parse(
      (await harness.call(tenantKey(tenantId), 'GET', `${M}/subscriptions/${trialId}/upcoming-invoice`)).body,
    );
    expect(slaLines(draft.invoice)).toEqual([-1_990]);
    expect(draft.invoice?.lines.find((line) => line.kind === 'sla_credit')?.description).toBe(
      "SLA credit 2025-02: 99.71% available against 99.9% promised (10% of the month's fee)",
    );

    // The trial converts on 15 Mar: that invoice takes the credit.
    harness.clock.set('2025-03-15T10:00:00Z');
    await harness.runScheduler();
    // A redelivery after it was applied is still recognised.
    await harness.platform.bus.publish([slaBreach(tenantId)]);
    harness.clock.set('2025-04-15T10:00:00Z');
    await harness.runScheduler();

    const invoices = await invoicesOf(tenantId);
    expect(invoices.map((invoice) => [invoice.reason, invoice.total_cents, slaLines(invoice)])).toEqual([
      ['trial_conversion', 17_910, [-1_990]],
      ['renewal', 19_900, []],
    ]);
  });

  it('when the credit exceeds the next invoice, then nothing is owed and the remainder is credit balance the invoice after uses', async () => {
    const tenantId = await harness.openTenant({ tier: 'pro' });
    await harness.billing.slaCredits.receive(slaBreach(tenantId, { credit_percent: 100, credit_cents: 25_000 }).data);

    const first = await subscribePro(tenantId);
    expect(first).toMatchObject({ document_type: 'credit_note', total_cents: 19_900 - 25_000 });
    expect((await harness.billing.subscriptions.account(tenantId)).creditBalanceCents).toBe(5_100);

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    const renewal = (await invoicesOf(tenantId)).at(-1);
    expect(renewal?.lines.map((line) => [line.kind, line.amount_cents])).toEqual([
      ['subscription', 19_900],
      ['credit', -5_100],
    ]);
    expect(renewal?.total_cents).toBe(14_800);
  });
});
