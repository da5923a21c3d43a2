import { invoiceViewSchema, subscriptionChangeResultSchema, type InvoiceView } from '@tenantry/contracts';
import { describeWithInfra, eventually } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from './test-support/billing-harness';

jest.setTimeout(120_000);

const M = '/api/v1/monetization';

/**
 * Two billing replicas on Apache Kafka and the MongoDB-compatible server: a period billed end to end —
 * trial converted, usage metered (one batch delivered twice), an upgrade mid-period, and a renewal both
 * replicas' schedulers race for — with totals worked out by hand.
 */
describeWithInfra('billing on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
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

  beforeEach(() => {
    for (const replica of [first, second]) replica.clock.set(start);
  });

  /** Publishes a sentinel batch after the others: once it is counted, every batch before it was handled (one tenant's events stay in order). */
  const drained = async (replica: BillingHarness, tenantId: string) => {
    await replica.meter(tenantId, new Date('2025-03-31T12:00:00Z'), 1);
    await eventually(async () => (await replica.billing.ledger.days(tenantId, '2025-03-31', '2025-03-31'))[0]?.calls === 1, {
      timeoutMs: 30_000,
      description: 'the sentinel batch metered',
    });
  };

  const invoicesOf = async (tenantId: string): Promise<InvoiceView[]> => {
    const reply = await first.call<{ items: unknown[] }>(ADMIN, 'GET', `${M}/invoices?tenant_id=${tenantId}&limit=100`);
    return reply.body.items.map((item) => invoiceViewSchema.parse(item)).reverse();
  };

  it('bills a period to the cent: conversion, metered overage counted once, upgrade, and one renewal', async () => {
    const tenantId = await first.openTenant({ tier: 'pro' });
    const subscribed = await second.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'pro', interval: 'monthly' });
    expect(subscribed.status).toBe(201);
    const subscriptionId = subscribed.body.subscription.id as string;

    // Pro allows 10,000 calls a day. 10 Mar: 12,000 calls in two batches, the second delivered twice.
    await first.meter(tenantId, new Date('2025-03-10T08:00:00Z'), 5_000);
    const twice = await first.meter(tenantId, new Date('2025-03-10T09:00:00Z'), 7_000);
    await first.platform.bus.publish([twice]);
    await drained(first, tenantId);
    expect((await first.billing.ledger.days(tenantId, '2025-03-10', '2025-03-10'))[0]?.calls).toBe(12_000);

    // 16 Mar 10:00, 16 of 31 days left: credit pro 19900 × 16/31 = 10271, charge enterprise 99900 × 16/31 = 51561.29 → 51561.
    for (const replica of [first, second]) replica.clock.set('2025-03-16T10:00:00Z');
    const upgrade = subscriptionChangeResultSchema.parse(
      (await first.call(tenantKey(tenantId), 'POST', `${M}/subscriptions/${subscriptionId}/change`, { plan_id: 'enterprise' })).body,
    );
    expect(upgrade.invoice?.total_cents).toBe(51561 - 10271);

    // 1 Apr 10:00: both schedulers run at once; one renewal is issued. Enterprise is unlimited, so the
    // overage of 10 Mar (the plan in force at the period end decides) is 0: enterprise 99900.
    for (const replica of [first, second]) replica.clock.set('2025-04-01T10:00:00Z');
    await Promise.all([first.runScheduler(), second.runScheduler()]);

    const invoices = await eventually(async () => {
      const found = await invoicesOf(tenantId);
      return found.length === 3 ? found : false;
    });
    expect(invoices.map((invoice) => [invoice.number?.slice(-4), invoice.reason, invoice.total_cents])).toEqual([
      ['0001', 'trial_conversion', 19900],
      ['0002', 'plan_change', 41290],
      ['0003', 'renewal', 99900],
    ]);
    for (const invoice of invoices) expect(invoice.lines.reduce((sum, line) => sum + line.amount_cents, 0)).toBe(invoice.subtotal_cents);

    // Every invoice was published once, in order, with the same totals.
    const issued = await eventually(() => {
      const events = first.eventsOf(tenantId, 'invoice.issued');
      return events.length >= 3 ? events : false;
    });
    expect(issued.map((event) => event.data.total_cents)).toEqual([19900, 41290, 99900]);
    const revisions = [
      ...first.eventsOf(tenantId, 'subscription.created'),
      ...first.eventsOf(tenantId, 'subscription.activated'),
      ...first.eventsOf(tenantId, 'subscription.upgraded'),
    ]
      .map((event) => event.data.revision)
      .sort();
    expect(revisions).toEqual([1, 2, 3]);
  });

  it('bills overage on a plan with a quota, counting a redelivered batch once', async () => {
    const tenantId = await first.openTenant({ tier: 'basic' });
    expect((await first.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'basic' })).status).toBe(201);
    // Basic allows 1,000 a day. 3 Mar: 1,400 calls (400 over), the batch delivered twice; 500 cents per 1,000: 200.
    const batch = await second.meter(tenantId, new Date('2025-03-03T15:00:00Z'), 1_400);
    await second.platform.bus.publish([batch]);
    await drained(second, tenantId);
    expect((await second.billing.ledger.days(tenantId, '2025-03-03', '2025-03-03'))[0]?.calls).toBe(1_400);

    for (const replica of [first, second]) replica.clock.set('2025-04-01T10:00:00Z');
    await second.runScheduler();
    const renewal = (await invoicesOf(tenantId)).at(-1);
    expect(renewal?.lines.map((line) => [line.kind, line.amount_cents])).toEqual([
      ['subscription', 4900],
      ['overage', 200],
    ]);
    expect(renewal?.total_cents).toBe(5100);
  });

  it('records a payment made outside the platform on one replica: the other reads the invoice paid, and invoice.paid crosses Kafka', async () => {
    const tenantId = await first.openTenant({ tier: 'pro' });
    const subscribed = await first.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'pro' });
    const invoiceId = String(subscribed.body.invoice.id);
    for (const replica of [first, second]) replica.clock.set('2025-03-05T10:00:00Z');

    const marked = await second.call(ADMIN, 'POST', `${M}/invoices/${invoiceId}/mark-paid`, { reference: 'SEPA #4411' });
    expect(marked).toMatchObject({
      status: 200,
      body: { status: 'paid', paid_at: '2025-03-05T10:00:00.000Z', payment_reference: 'SEPA #4411' },
    });
    expect((await first.call(ADMIN, 'GET', `${M}/invoices/${invoiceId}`)).body).toMatchObject({
      status: 'paid',
      payment_reference: 'SEPA #4411',
    });
    const [paid] = await eventually(
      () => (first.eventsOf(tenantId, 'invoice.paid').length > 0 ? first.eventsOf(tenantId, 'invoice.paid') : false),
      {
        timeoutMs: 15_000,
        description: 'invoice.paid over Kafka',
      },
    );
    expect(paid?.data).toMatchObject({ invoice_id: invoiceId, amount_cents: 19_900, method: 'manual', reference: 'SEPA #4411' });
    // Marking it again on the other replica is refused (the unit specs show it publishes nothing).
    expect((await first.call(ADMIN, 'POST', `${M}/invoices/${invoiceId}/mark-paid`, {})).status).toBe(409);
  });

  it('marks an invoice unpaid past its due date overdue while both schedulers race for it, and invoice.overdue crosses Kafka', async () => {
    const tenantId = await first.openTenant({ tier: 'basic' });
    const subscribed = await first.call(tenantKey(tenantId), 'POST', `${M}/subscribe`, { plan_id: 'basic' });
    const invoiceId = String(subscribed.body.invoice.id);
    const dueAt = Date.parse(String(subscribed.body.invoice.due_at));
    for (const replica of [first, second]) replica.clock.set(new Date(dueAt + 1_000));

    // Other tests' invoices fall due too: the passes count those as well.
    const passes = await Promise.all([first.runScheduler(), second.runScheduler()]);
    expect(passes[0] + passes[1]).toBeGreaterThanOrEqual(1);
    expect((await second.call(ADMIN, 'GET', `${M}/invoices/${invoiceId}`)).body).toMatchObject({ status: 'overdue' });
    const [overdue] = await eventually(
      () => (first.eventsOf(tenantId, 'invoice.overdue').length > 0 ? first.eventsOf(tenantId, 'invoice.overdue') : false),
      {
        timeoutMs: 15_000,
        description: 'invoice.overdue over Kafka',
      },
    );
    expect(overdue?.data).toMatchObject({ invoice_id: invoiceId, amount_cents: 4_900 });
    // Nothing is left for either scheduler.
    expect(await Promise.all([first.runScheduler(), second.runScheduler()])).toEqual([0, 0]);
  });
});
