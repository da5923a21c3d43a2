import {
  createEvent,
  invoiceViewSchema,
  subscriptionChangeResultSchema,
  subscriptionViewSchema,
  upcomingInvoiceSchema,
  type InvoiceView,
  type SubscriptionView,
} from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';

/**
 * The subscription lifecycle through the HTTP API, on in-memory adapters with a clock the test moves.
 * Every amount below is worked out by hand from the rules (MISSION §4): proration = price × seconds
 * left ÷ seconds in the period, rounded half up to a cent.
 */

const M = '/api/v1/monetization';
const DAY = 86_400_000;

let harness: BillingHarness;

beforeEach(async () => {
  harness = await startBillingHarness({ start: new Date('2025-03-01T10:00:00Z') });
});

afterEach(async () => {
  await harness.close();
});

async function subscriptionsOf(tenantId: string): Promise<SubscriptionView[]> {
  const reply = await harness.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/subscriptions?tenant_id=${tenantId}`);
  expect(reply.status).toBe(200);
  return reply.body.items.map((item) => subscriptionViewSchema.parse(item));
}

async function invoicesOf(tenantId: string): Promise<InvoiceView[]> {
  const reply = await harness.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/invoices?tenant_id=${tenantId}&limit=100`);
  expect(reply.status).toBe(200);
  return reply.body.items.map((item) => invoiceViewSchema.parse(item)).reverse();
}

/**
 * A tenant on a paid subscription from the clock's time (its trial ended early through /subscribe), its
 * first invoice paid (recorded by the admin) unless `paid: false`: a credit note for an unpaid invoice
 * reduces that invoice rather than the next ones.
 */
async function paidTenant(planId: 'basic' | 'pro' | 'enterprise', interval: 'monthly' | 'annual' = 'monthly', { paid = true } = {}) {
  const tenantId = await harness.openTenant({ tier: planId });
  const reply = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: planId, interval });
  expect(reply.status).toBe(201);
  const invoice = invoiceViewSchema.parse(reply.body.invoice);
  if (paid) await markPaid(String(invoice.id));
  return { tenantId, subscription: subscriptionViewSchema.parse(reply.body.subscription), invoice };
}

async function markPaid(invoiceId: string): Promise<void> {
  expect((await harness.call(ADMIN, 'POST', `${M}/invoices/${invoiceId}/mark-paid`, {})).status).toBe(200);
}

const change = (tenantId: string, subscriptionId: string, body: object, preview = false) =>
  harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscriptionId}/change${preview ? '?preview=true' : ''}`, body);

const amounts = (invoice: InvoiceView | null | undefined) => invoice?.lines.map((line) => [line.kind, line.amount_cents]);

describe('trials', () => {
  it('opens a 14-day trial on the tenant tier from tenant.created, once even when the event is delivered twice', async () => {
    const tenantId = await harness.openTenant({ tier: 'pro' });
    const [trial] = await subscriptionsOf(tenantId);
    expect(trial).toMatchObject({
      plan_id: 'pro',
      interval: 'monthly',
      status: 'trialing',
      trial_ends_at: '2025-03-15T10:00:00.000Z',
      current_period: { start: '2025-03-01T10:00:00.000Z', end: '2025-03-15T10:00:00.000Z' },
    });
    const [created] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.created').length === 1 ? harness.eventsOf(tenantId, 'subscription.created') : false,
    );
    expect(created?.data).toMatchObject({ revision: 1, status: 'trialing', plan_id: 'pro' });

    await harness.openTenant({ tenantId, tier: 'pro' });
    expect(await subscriptionsOf(tenantId)).toHaveLength(1);
    expect(await invoicesOf(tenantId)).toEqual([]);
  });

  it('converts at the trial end and invoices the first period from that instant', async () => {
    const tenantId = await harness.openTenant({ tier: 'basic' });
    harness.clock.set('2025-03-15T09:59:59Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]?.status).toBe('trialing');

    harness.clock.set('2025-03-15T10:00:00Z');
    await harness.runScheduler();
    const [active] = await subscriptionsOf(tenantId);
    expect(active).toMatchObject({
      status: 'active',
      billing_cycle_anchor: '2025-03-15T10:00:00.000Z',
      current_period: { end: '2025-04-15T10:00:00.000Z' },
    });
    const [invoice] = await invoicesOf(tenantId);
    expect(invoice).toMatchObject({ reason: 'trial_conversion', document_type: 'invoice', total_cents: 4900, status: 'open' });
    expect(invoice?.number).toMatch(/-0001$/);
    await eventually(() => harness.eventsOf(tenantId, 'subscription.activated')[0]?.data.revision === 2);
  });

  it('cancels at the trial end when asked to, without an invoice', async () => {
    const tenantId = await harness.openTenant();
    const [trial] = await subscriptionsOf(tenantId);
    const reply = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${trial?.id}/cancel`, { timing: 'period_end' });
    expect(reply.status).toBe(200);
    expect(reply.body.subscription.pending_change).toMatchObject({ kind: 'cancellation', effective_at: '2025-03-15T10:00:00.000Z' });
    expect(harness.eventsOf(tenantId, 'subscription.cancelled')).toEqual([]);

    harness.clock.set('2025-03-15T10:00:00Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]).toMatchObject({ status: 'cancelled', cancelled_at: '2025-03-15T10:00:00.000Z' });
    const [cancelled] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.cancelled').length > 0 ? harness.eventsOf(tenantId, 'subscription.cancelled') : false,
    );
    expect(cancelled?.data).toMatchObject({ timing: 'period_end', effective_at: '2025-03-15T10:00:00.000Z' });
    expect(await invoicesOf(tenantId)).toEqual([]);
  });

  it('changes plan at once during a trial, with no money', async () => {
    const tenantId = await harness.openTenant({ tier: 'basic' });
    const [trial] = await subscriptionsOf(tenantId);
    const reply = await change(tenantId, trial?.id ?? '', { plan_id: 'enterprise' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      kind: 'upgrade',
      timing: 'immediate',
      invoice: null,
      subscription: { plan_id: 'enterprise', status: 'trialing' },
    });
    await eventually(() => harness.eventsOf(tenantId, 'subscription.upgraded')[0]?.data.to_plan_id === 'enterprise');
  });
});

describe('plan changes, prorated to the second', () => {
  // The period 1 Mar 10:00 – 1 Apr 10:00 2025 has 31 days = 2,678,400 s. On 16 Mar 10:00, 16 days
  // (1,382,400 s) are left: basic 4900 × 16/31 = 2529.03 → 2529; pro 19900 × 16/31 = 10270.97 → 10271.

  it('previews an upgrade with the exact lines, writing nothing, then bills exactly those', async () => {
    const { tenantId, subscription, invoice: first } = await paidTenant('basic');
    expect(first).toMatchObject({ reason: 'trial_conversion', total_cents: 4900 });
    expect(subscription.current_period).toEqual({ start: '2025-03-01T10:00:00.000Z', end: '2025-04-01T10:00:00.000Z' });
    harness.clock.set('2025-03-16T10:00:00Z');

    const preview = await change(tenantId, subscription.id, { plan_id: 'pro' }, true);
    expect(preview.status).toBe(200);
    const previewed = subscriptionChangeResultSchema.parse(preview.body);
    expect(previewed).toMatchObject({ preview: true, kind: 'upgrade', timing: 'immediate', effective_at: '2025-03-16T10:00:00.000Z' });
    expect(previewed.invoice).toMatchObject({ id: null, number: null, status: 'draft', total_cents: 10271 - 2529 });
    expect(amounts(previewed.invoice)).toEqual([
      ['proration', -2529],
      ['proration', 10271],
    ]);
    expect(await invoicesOf(tenantId)).toHaveLength(1);
    expect((await subscriptionsOf(tenantId))[0]?.plan_id).toBe('basic');

    const committed = subscriptionChangeResultSchema.parse((await change(tenantId, subscription.id, { plan_id: 'pro' })).body);
    expect(committed.invoice).toMatchObject({ total_cents: 7742, status: 'open' });
    expect(amounts(committed.invoice)).toEqual(amounts(previewed.invoice));
    expect(committed.subscription).toMatchObject({ plan_id: 'pro', current_period: subscription.current_period });
    const [upgraded] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.upgraded').length > 0 ? harness.eventsOf(tenantId, 'subscription.upgraded') : false,
    );
    // created (1), activated (2), upgraded (3)
    expect(upgraded?.data).toMatchObject({
      revision: 3,
      from_plan_id: 'basic',
      to_plan_id: 'pro',
      proration: { credit_cents: 2529, charge_cents: 10271, currency: 'EUR' },
    });
    expect((await invoicesOf(tenantId)).map((invoice) => invoice.number?.slice(-4))).toEqual(['0001', '0002']);
  });

  it('schedules a downgrade for the period end by default and applies it there', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    harness.clock.set('2025-03-16T10:00:00Z');
    const reply = subscriptionChangeResultSchema.parse((await change(tenantId, subscription.id, { plan_id: 'basic' })).body);
    expect(reply).toMatchObject({ kind: 'downgrade', timing: 'period_end', effective_at: '2025-04-01T10:00:00.000Z', invoice: null });
    expect(reply.subscription).toMatchObject({ plan_id: 'pro', pending_change: { kind: 'downgrade', plan_id: 'basic' } });

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    const [renewed] = await subscriptionsOf(tenantId);
    expect(renewed).toMatchObject({
      plan_id: 'basic',
      pending_change: null,
      current_period: { start: '2025-04-01T10:00:00.000Z', end: '2025-05-01T10:00:00.000Z' },
    });
    const invoices = await invoicesOf(tenantId);
    expect(invoices.at(-1)).toMatchObject({ reason: 'renewal', total_cents: 4900 });
    const [downgraded] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.downgraded').length > 0 ? harness.eventsOf(tenantId, 'subscription.downgraded') : false,
    );
    expect(downgraded?.data).toMatchObject({ timing: 'period_end', effective_at: '2025-04-01T10:00:00.000Z', to_plan_id: 'basic' });
  });

  it('downgrades at once with a credit note whose balance pays the next invoices', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    harness.clock.set('2025-03-16T10:00:00Z');
    // Credit pro 19900 × 16/31 = 10271, charge basic 4900 × 16/31 = 2529: a credit note of −7742.
    const reply = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'basic', timing: 'immediate' })).body,
    );
    expect(reply.invoice).toMatchObject({ document_type: 'credit_note', status: 'issued', total_cents: -7742 });
    const [downgraded] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.downgraded').length > 0 ? harness.eventsOf(tenantId, 'subscription.downgraded') : false,
    );
    expect(downgraded?.data).toMatchObject({ timing: 'immediate', credit_note_id: reply.invoice?.id });

    // 1 Apr: basic 4900 − 4900 from the balance = 0 (2842 left); 1 May: 4900 − 2842 = 2058.
    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    harness.clock.set('2025-05-01T10:00:00Z');
    await harness.runScheduler();
    const [, , april, may] = await invoicesOf(tenantId);
    expect(amounts(april)).toEqual([
      ['subscription', 4900],
      ['credit', -4900],
    ]);
    expect(april?.total_cents).toBe(0);
    expect(amounts(may)).toEqual([
      ['subscription', 4900],
      ['credit', -2842],
    ]);
    expect(may?.total_cents).toBe(2058);
  });

  it('upgrade then downgrade in one period bills the sum of both changes', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    harness.clock.set('2025-03-16T10:00:00Z');
    await change(tenantId, subscription.id, { plan_id: 'pro' }); // +7742, as above
    // 24 Mar 10:00: 8 days (691,200 s) left: credit pro 19900 × 8/31 = 5135.48 → 5135, charge basic 4900 × 8/31 = 1264.52 → 1265.
    harness.clock.set('2025-03-24T10:00:00Z');
    const back = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'basic', timing: 'immediate' })).body,
    );
    expect(amounts(back.invoice)).toEqual([
      ['proration', -5135],
      ['proration', 1265],
    ]);
    expect(back.invoice?.total_cents).toBe(-3870);
    const billed = (await invoicesOf(tenantId)).reduce((sum, invoice) => sum + invoice.total_cents, 0);
    expect(billed).toBe(4900 + 7742 - 3870);
  });

  it('monthly → annual starts a new annual cycle at once; annual → monthly waits for the period end', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    harness.clock.set('2025-03-16T10:00:00Z');
    // Credit pro monthly 10271 (as above), charge a full pro year 199000: 188729.
    const toAnnual = subscriptionChangeResultSchema.parse((await change(tenantId, subscription.id, { interval: 'annual' })).body);
    expect(toAnnual).toMatchObject({ kind: 'interval_change', timing: 'immediate' });
    expect(toAnnual.invoice?.total_cents).toBe(188729);
    expect(toAnnual.subscription).toMatchObject({
      interval: 'annual',
      billing_cycle_anchor: '2025-03-16T10:00:00.000Z',
      current_period: { start: '2025-03-16T10:00:00.000Z', end: '2026-03-16T10:00:00.000Z' },
    });
    await eventually(() => harness.eventsOf(tenantId, 'subscription.interval_changed')[0]?.data.interval === 'annual');

    const toMonthly = subscriptionChangeResultSchema.parse((await change(tenantId, subscription.id, { interval: 'monthly' })).body);
    expect(toMonthly).toMatchObject({
      kind: 'interval_change',
      timing: 'period_end',
      effective_at: '2026-03-16T10:00:00.000Z',
      invoice: null,
    });
    expect(harness.eventsOf(tenantId, 'subscription.upgraded')).toEqual([]);
  });

  it('classifies basic annual → pro monthly as an upgrade, although pro monthly costs less per period', async () => {
    const { tenantId, subscription } = await paidTenant('basic', 'annual');
    harness.clock.set('2025-03-16T10:00:00Z');
    const reply = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'pro', interval: 'monthly' })).body,
    );
    expect(reply).toMatchObject({ kind: 'upgrade', timing: 'immediate' });
    // 1 Mar 2025 – 1 Mar 2026 has 365 days; 15 days used, 350 left: basic annual 49000 × 350/365 = 46986.30 → 46986.
    // The new monthly cycle starts now: a full pro month, 19900.
    expect(amounts(reply.invoice)).toEqual([
      ['proration', -46986],
      ['subscription', 19900],
    ]);
    expect(reply.invoice).toMatchObject({ document_type: 'credit_note', total_cents: -27086 });
  });
});

describe('credit notes for unpaid invoices (issue 9)', () => {
  const invoice = async (invoiceId: string | null | undefined): Promise<InvoiceView> =>
    invoiceViewSchema.parse((await harness.call(ADMIN, 'GET', `${M}/invoices/${String(invoiceId)}`)).body);

  /** Subscribe to basic (its €49 invoice unpaid), change to enterprise annual at once (its €9,941 invoice unpaid). */
  async function onUnpaidEnterprise() {
    const { tenantId, subscription, invoice: basic } = await paidTenant('basic', 'monthly', { paid: false });
    const up = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'enterprise', interval: 'annual' })).body,
    );
    // Unused basic month −4900, a full enterprise year +999000: 994100.
    expect(up.invoice).toMatchObject({ document_type: 'invoice', status: 'open', total_cents: 994_100, amount_due_cents: 994_100 });
    return { tenantId, subscription, basic, enterprise: up.invoice as InvoiceView };
  }

  it('when the finding is replayed (basic, enterprise annual unpaid, basic annual at once), then the −€9,500 credit note reduces the unpaid €9,941 invoice and nothing becomes spendable', async () => {
    const { tenantId, subscription, basic, enterprise } = await onUnpaidEnterprise();
    const down = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'basic', interval: 'annual', timing: 'immediate' })).body,
    );
    // Unused enterprise year −999000, a basic year +49000: −950000, all of it off the 994100 still due.
    expect(down.invoice).toMatchObject({
      document_type: 'credit_note',
      total_cents: -950_000,
      applied_to_invoices: [{ invoice_id: enterprise.id, amount_cents: 950_000 }],
    });
    // 994100 − 950000 = 44100 still due; the basic invoice is untouched.
    expect(await invoice(enterprise.id)).toMatchObject({ status: 'open', credited_cents: 950_000, amount_due_cents: 44_100 });
    expect(await invoice(basic.id)).toMatchObject({ status: 'open', credited_cents: 0, amount_due_cents: 4_900 });
    // No spendable credit: the renewal a year on bills basic's full 49000, without a "Credit balance applied" line.
    const draft = upcomingInvoiceSchema.parse(
      (await harness.call(tenantKey(tenantId), 'GET', `${M}/subscriptions/${subscription.id}/upcoming-invoice`)).body,
    );
    expect(amounts(draft.invoice)).toEqual([['subscription', 49_000]]);
    const [issued] = await eventually(() => {
      const found = harness.eventsOf(tenantId, 'invoice.issued').filter((event) => event.data.invoice_id === down.invoice?.id);
      return found.length > 0 ? found : false;
    });
    expect(issued?.data.applied_to_invoices).toEqual([{ invoice_id: enterprise.id, amount_cents: 950_000 }]);
  });

  it('when a credit note exceeds what is still due on the unpaid invoices of its subscription, then it pays them and only the rest is spendable', async () => {
    const { tenantId, subscription, basic, enterprise } = await onUnpaidEnterprise();
    await change(tenantId, subscription.id, { plan_id: 'basic', interval: 'annual', timing: 'immediate' }); // enterprise: 44100 still due (as above)
    await markPaid(String(basic.id));
    // Cancelled at once: the unused basic year credits 49000: 44100 pays the enterprise invoice, 49000 − 44100 = 4900 is spendable.
    const cancelled = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, {
      timing: 'immediate',
    });
    const creditNote = invoiceViewSchema.parse(cancelled.body.credit_note);
    expect(creditNote).toMatchObject({ total_cents: -49_000, applied_to_invoices: [{ invoice_id: enterprise.id, amount_cents: 44_100 }] });
    expect(await invoice(enterprise.id)).toMatchObject({
      status: 'paid',
      credited_cents: 994_100,
      amount_due_cents: 0,
      payment_reference: creditNote.id,
    });
    const [paid] = await eventually(() => {
      const found = harness.eventsOf(tenantId, 'invoice.paid').filter((event) => event.data.invoice_id === enterprise.id);
      return found.length > 0 ? found : false;
    });
    expect(paid?.data).toMatchObject({ method: 'credit_balance', amount_cents: 44_100, reference: creditNote.id });
    // The 4900 left pays the next subscription's first basic month: 4900 − 4900 = 0.
    const again = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'basic' });
    expect(amounts(invoiceViewSchema.parse(again.body.invoice))).toEqual([
      ['subscription', 4_900],
      ['credit', -4_900],
    ]);
  });

  it('when several invoices of the subscription are unpaid, then the credit note reduces them newest first before anything is spendable', async () => {
    const { tenantId, subscription, basic, enterprise } = await onUnpaidEnterprise();
    await change(tenantId, subscription.id, { plan_id: 'basic', interval: 'annual', timing: 'immediate' }); // enterprise: 44100 still due
    // Cancelled at once: 49000 of credit: 44100 off the enterprise invoice, 4900 off the basic one, 0 spendable.
    const cancelled = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, {
      timing: 'immediate',
    });
    expect(invoiceViewSchema.parse(cancelled.body.credit_note).applied_to_invoices).toEqual([
      { invoice_id: enterprise.id, amount_cents: 44_100 },
      { invoice_id: basic.id, amount_cents: 4_900 },
    ]);
    expect([(await invoice(enterprise.id)).status, (await invoice(basic.id)).status]).toEqual(['paid', 'paid']);
    const again = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'basic' });
    expect(amounts(invoiceViewSchema.parse(again.body.invoice))).toEqual([['subscription', 4_900]]);
  });
});

describe('cancellation', () => {
  it('cancels now with a prorated credit note; the tenant may subscribe again', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    // 21 Mar 10:00: 11 of 31 days left: 19900 × 11/31 = 7061.29 → 7061.
    harness.clock.set('2025-03-21T10:00:00Z');
    const reply = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, {
      timing: 'immediate',
      reason: 'moving on',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.subscription).toMatchObject({ status: 'cancelled', cancelled_at: '2025-03-21T10:00:00.000Z' });
    expect(reply.body.credit_note).toMatchObject({ document_type: 'credit_note', total_cents: -7061, reason: 'cancellation' });
    const [cancelled] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.cancelled').length > 0 ? harness.eventsOf(tenantId, 'subscription.cancelled') : false,
    );
    expect(cancelled?.data).toMatchObject({ timing: 'immediate', credit_cents: 7061, reason: 'moving on' });

    expect((await change(tenantId, subscription.id, { plan_id: 'enterprise' })).status).toBe(409);
    // The 7061 credit pays the next subscription's first invoice in part: 19900 − 7061 = 12839.
    const again = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'pro' });
    expect(again.status).toBe(201);
    expect(again.body.invoice.total_cents).toBe(12839);
    expect(await subscriptionsOf(tenantId)).toHaveLength(2);
  });

  it('cancels at the period end, billing nothing more', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    const reply = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, {});
    expect(reply.body.subscription.pending_change).toMatchObject({ kind: 'cancellation', effective_at: '2025-04-01T10:00:00.000Z' });
    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]?.status).toBe('cancelled');
    expect(await invoicesOf(tenantId)).toHaveLength(1);
  });

  it('cancels the subscription of a tenant the admin cancelled', async () => {
    const { tenantId } = await paidTenant('pro');
    await harness.platform.bus.publish([
      createEvent('tenant.status_changed', {
        tenantId,
        source: '/tenantry/tenants',
        data: { tenant_id: tenantId, from: 'active', to: 'cancelled', changed_by: 'admin', changed_at: harness.clock.now().toISOString() },
      }),
    ]);
    const [cancelled] = await eventually(() =>
      harness.eventsOf(tenantId, 'subscription.cancelled').length > 0 ? harness.eventsOf(tenantId, 'subscription.cancelled') : false,
    );
    expect(cancelled?.data).toMatchObject({ timing: 'immediate', reason: 'tenant cancelled' });
    const subscribe = await harness.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'pro' });
    expect(subscribe.status).toBe(409);
  });
});

describe('renewals', () => {
  it('keeps a month-end anchor through short months (31 Jan → 28 Feb → 31 Mar → 30 Apr)', async () => {
    harness.clock.set('2025-01-31T12:00:00Z');
    const { tenantId } = await paidTenant('basic');
    const ends: string[] = [];
    for (const at of ['2025-02-28T12:00:00Z', '2025-03-31T12:00:00Z', '2025-04-30T12:00:00Z']) {
      harness.clock.set(at);
      await harness.runScheduler();
      ends.push((await subscriptionsOf(tenantId))[0]?.current_period.end ?? '');
    }
    expect(ends).toEqual(['2025-03-31T12:00:00.000Z', '2025-04-30T12:00:00.000Z', '2025-05-31T12:00:00.000Z']);
    expect((await invoicesOf(tenantId)).map((invoice) => invoice.total_cents)).toEqual([4900, 4900, 4900, 4900]);
  });

  it('ends a leap-year January period on 29 February', async () => {
    harness.clock.set('2028-01-31T00:00:00Z');
    const { subscription } = await paidTenant('pro');
    expect(subscription.current_period.end).toBe('2028-02-29T00:00:00.000Z');
  });

  it('catches up every period missed while the scheduler did not run, one invoice each', async () => {
    const { tenantId } = await paidTenant('basic');
    harness.clock.set(new Date(Date.parse('2025-06-15T00:00:00Z')));
    await harness.runScheduler();
    const invoices = await invoicesOf(tenantId);
    expect(invoices.map((invoice) => invoice.period.start)).toEqual([
      '2025-03-01T10:00:00.000Z',
      '2025-04-01T10:00:00.000Z',
      '2025-05-01T10:00:00.000Z',
      '2025-06-01T10:00:00.000Z',
    ]);
    expect(invoices.map((invoice) => invoice.number?.slice(-4))).toEqual(['0001', '0002', '0003', '0004']);
  });

  it('bills the ended period’s overage with the renewal', async () => {
    const { tenantId } = await paidTenant('basic');
    // Basic: 1,000 calls a day. 5 Mar: 1,500 (500 over); 6 Mar: 1,000 (none over). 500 × 500 cents / 1,000 = 250.
    await harness.meter(tenantId, new Date('2025-03-05T12:00:00Z'), 1500);
    await harness.meter(tenantId, new Date('2025-03-06T12:00:00Z'), 1000);
    await eventually(async () => (await harness.billing.ledger.days(tenantId, '2025-03-01', '2025-03-31')).length === 2);

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    const renewal = (await invoicesOf(tenantId)).at(-1);
    expect(amounts(renewal)).toEqual([
      ['subscription', 4900],
      ['overage', 250],
    ]);
    expect(renewal?.lines[1]).toMatchObject({ quantity: 500, unit_amount_cents: 500 });
    expect(renewal?.total_cents).toBe(5150);
  });

  it('applies a change made after the period end to the renewed period, not the ended one', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    // The scheduler has not run yet at 1 Apr 10:00 + 1 day: the change first renews (1 Apr – 1 May,
    // 30 days), then prorates on it: 29 of 30 days left: pro 19900 × 29/30 = 19236.67 → 19237, basic 4900 × 29/30 = 4736.67 → 4737.
    harness.clock.set(new Date(Date.parse('2025-04-01T10:00:00Z') + DAY));
    const reply = subscriptionChangeResultSchema.parse((await change(tenantId, subscription.id, { plan_id: 'pro' })).body);
    expect(amounts(reply.invoice)).toEqual([
      ['proration', -4737],
      ['proration', 19237],
    ]);
    expect((await invoicesOf(tenantId)).map((invoice) => invoice.reason)).toEqual(['trial_conversion', 'renewal', 'plan_change']);
  });
});

describe('withdrawing a scheduled change', () => {
  const withdraw = (tenantId: string, subscriptionId: string) =>
    harness.call<{ subscription: SubscriptionView }>(tenantKey(tenantId), 'DELETE', `${M}/subscriptions/${subscriptionId}/pending-change`);
  /** Waits until the renewal's invoice.issued arrived: the change it would have applied is published with it. */
  const renewalPublished = (tenantId: string) =>
    eventually(() => harness.eventsOf(tenantId, 'invoice.issued').some((event) => event.data.reason === 'renewal'), {
      description: 'the renewal invoice.issued',
    });

  it('withdraws a scheduled downgrade: the period renews on the plan it had, and no downgrade is published', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    harness.clock.set('2025-03-16T10:00:00Z');
    expect((await change(tenantId, subscription.id, { plan_id: 'basic' })).status).toBe(200);

    const reply = await withdraw(tenantId, subscription.id);
    expect(reply.status).toBe(200);
    expect(reply.body.subscription).toMatchObject({ id: subscription.id, plan_id: 'pro', pending_change: null });

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]).toMatchObject({
      plan_id: 'pro',
      current_period: { start: '2025-04-01T10:00:00.000Z', end: '2025-05-01T10:00:00.000Z' },
    });
    expect((await invoicesOf(tenantId)).at(-1)).toMatchObject({ reason: 'renewal', total_cents: 19900 });
    await renewalPublished(tenantId);
    expect(harness.eventsOf(tenantId, 'subscription.downgraded')).toEqual([]);
  });

  it('withdraws a cancellation at the period end: the subscription renews and stays active', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    expect((await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, {})).status).toBe(200);
    expect((await withdraw(tenantId, subscription.id)).body.subscription).toMatchObject({
      status: 'active',
      pending_change: null,
      cancelled_at: null,
    });

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]).toMatchObject({ status: 'active', plan_id: 'basic' });
    expect((await invoicesOf(tenantId)).map((invoice) => [invoice.reason, invoice.total_cents])).toEqual([
      ['trial_conversion', 4900],
      ['renewal', 4900],
    ]);
    await renewalPublished(tenantId);
    expect(harness.eventsOf(tenantId, 'subscription.cancelled')).toEqual([]);
  });

  it('withdraws a cancellation at the trial end: the trial converts', async () => {
    const tenantId = await harness.openTenant({ tier: 'basic' });
    const [trial] = await subscriptionsOf(tenantId);
    await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${trial?.id}/cancel`, {});
    expect((await withdraw(tenantId, String(trial?.id))).status).toBe(200);

    harness.clock.set('2025-03-15T10:00:00Z');
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]).toMatchObject({ status: 'active' });
    expect((await invoicesOf(tenantId)).map((invoice) => invoice.reason)).toEqual(['trial_conversion']);
  });

  it('answers 409 when nothing is scheduled, also when the change already took effect at a period end that passed', async () => {
    const { tenantId, subscription } = await paidTenant('pro');
    const nothing = await withdraw(tenantId, subscription.id);
    expect(nothing.status).toBe(409);
    expect(nothing.body).toMatchObject({
      type: expect.stringMatching(/conflict$/),
      detail: expect.stringContaining('no scheduled change'),
    });

    await change(tenantId, subscription.id, { plan_id: 'basic' });
    // The scheduler has not run at 1 Apr 10:00: the withdrawal first catches the account up, so the
    // downgrade takes effect at its time, and there is nothing left to withdraw.
    harness.clock.set('2025-04-01T10:00:01Z');
    expect((await withdraw(tenantId, subscription.id)).status).toBe(409);
    await harness.runScheduler();
    expect((await subscriptionsOf(tenantId))[0]).toMatchObject({
      plan_id: 'basic',
      pending_change: null,
      current_period: { start: '2025-04-01T10:00:00.000Z' },
    });
  });
});

describe('the upcoming invoice', () => {
  const upcoming = async (tenantId: string, subscriptionId: string) => {
    const reply = await harness.call(tenantKey(tenantId), 'GET', `${M}/subscriptions/${subscriptionId}/upcoming-invoice`);
    expect(reply.status).toBe(200);
    return upcomingInvoiceSchema.parse(reply.body);
  };
  /** What a tenant's billing looks like from outside: documents and events. */
  const footprint = async (tenantId: string) => ({
    invoices: (await invoicesOf(tenantId)).map((invoice) => invoice.id),
    subscriptions: await subscriptionsOf(tenantId),
    events: harness.eventsOf(tenantId, 'invoice.issued').length,
  });

  it('shows the renewal as it will be billed: the same lines, total and period as the invoice issued at the period end, and writes nothing', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    // Basic: 1,000 calls a day; 1,300 on 5 Mar: 300 over × 500 cents / 1,000 = 150.
    await harness.meter(tenantId, new Date('2025-03-05T12:00:00Z'), 1300);
    await eventually(async () => (await harness.billing.ledger.days(tenantId, '2025-03-01', '2025-03-31')).length === 1);
    harness.clock.set('2025-03-20T10:00:00Z');
    const before = await footprint(tenantId);

    const draft = await upcoming(tenantId, subscription.id);
    expect(draft).toMatchObject({ subscription_id: subscription.id, at: '2025-04-01T10:00:00.000Z', ends_there: false });
    expect(draft.invoice).toMatchObject({ id: null, number: null, status: 'draft', reason: 'renewal', total_cents: 5050 });
    expect(amounts(draft.invoice)).toEqual([
      ['subscription', 4900],
      ['overage', 150],
    ]);
    expect(await footprint(tenantId)).toEqual(before);

    harness.clock.set('2025-04-01T10:00:00Z');
    await harness.runScheduler();
    const issued = (await invoicesOf(tenantId)).at(-1);
    expect({ lines: issued?.lines, total: issued?.total_cents, period: issued?.period }).toEqual({
      lines: draft.invoice?.lines,
      total: draft.invoice?.total_cents,
      period: { start: '2025-04-01T10:00:00.000Z', end: '2025-05-01T10:00:00.000Z' },
    });
  });

  it('applies a scheduled downgrade and the credit balance', async () => {
    const { tenantId, subscription } = await paidTenant('enterprise');
    harness.clock.set('2025-03-16T10:00:00Z');
    // Enterprise → pro at once, 16 of 31 days left: credit 99900 × 16/31 = 51561.29 → 51561, charge 19900 × 16/31 = 10270.97 → 10271: −41290.
    const immediate = subscriptionChangeResultSchema.parse(
      (await change(tenantId, subscription.id, { plan_id: 'pro', timing: 'immediate' })).body,
    );
    expect(immediate.invoice?.total_cents).toBe(-41290);
    // Then basic at the period end: the renewal is basic's 4900, paid from the 41290 balance.
    expect((await change(tenantId, subscription.id, { plan_id: 'basic' })).status).toBe(200);

    const draft = await upcoming(tenantId, subscription.id);
    expect(draft.at).toBe('2025-04-01T10:00:00.000Z');
    expect(amounts(draft.invoice)).toEqual([
      ['subscription', 4900],
      ['credit', -4900],
    ]);
    expect(draft.invoice?.total_cents).toBe(0);
  });

  it('shows a trial’s conversion at the trial end, and nothing billed when the trial is set to cancel', async () => {
    const converting = await harness.openTenant({ tier: 'pro' });
    const [trial] = await subscriptionsOf(converting);
    const draft = await upcoming(converting, String(trial?.id));
    expect(draft).toMatchObject({
      at: '2025-03-15T10:00:00.000Z',
      ends_there: false,
      invoice: { reason: 'trial_conversion', total_cents: 19900 },
    });

    const cancelling = await harness.openTenant({ tier: 'pro' });
    const [other] = await subscriptionsOf(cancelling);
    await harness.call(tenantKey(cancelling), 'POST', `${M}/subscriptions/${other?.id}/cancel`, {});
    expect(await upcoming(cancelling, String(other?.id))).toEqual({
      subscription_id: other?.id,
      at: '2025-03-15T10:00:00.000Z',
      ends_there: true,
      invoice: null,
    });
  });

  it('answers 409 for a cancelled subscription: nothing is upcoming', async () => {
    const { tenantId, subscription } = await paidTenant('basic');
    await harness.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscription.id}/cancel`, { timing: 'immediate' });
    expect((await harness.call(tenantKey(tenantId), 'GET', `${M}/subscriptions/${subscription.id}/upcoming-invoice`)).status).toBe(409);
  });
});
