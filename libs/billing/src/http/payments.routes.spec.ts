import { invoiceViewSchema } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem, expectUntouched, paidTenant, send, snapshot } from './test-support/route-calls';

const API = '/api/v1/monetization';
const DAY = 24 * 60 * 60 * 1000;

/**
 * With no payment provider (the default, "manual"), invoices stay open until the platform admin records
 * the payment made outside the platform: `POST /invoices/{id}/mark-paid`, which sets the invoice paid and
 * publishes `invoice.paid` in the same write.
 */
describe('POST /invoices/{id}/mark-paid', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  const markPaid = (invoiceId: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    send(h, ADMIN, 'POST', `${API}/invoices/${invoiceId}/mark-paid`, { body, headers });
  const paidEvents = (tenantId: string) => h.eventsOf(tenantId, 'invoice.paid');

  it('when the admin records a bank transfer, then the invoice reads paid with its date and reference, and invoice.paid is published once', async () => {
    const paid = await paidTenant(h, { planId: 'pro' });
    h.clock.advance(3 * DAY);
    const paidAt = new Date(h.clock.now().getTime() - DAY).toISOString();

    const reply = await markPaid(paid.invoiceId, { paid_at: paidAt, reference: 'SEPA 2025-03-03 #8812' });
    expect(reply.status).toBe(200);
    const view = invoiceViewSchema.parse(reply.body);
    expect(view).toMatchObject({
      id: paid.invoiceId,
      status: 'paid',
      paid_at: paidAt,
      payment_reference: 'SEPA 2025-03-03 #8812',
      total_cents: 19_900,
    });
    expect((await h.call(tenantKey(paid.tenantId), 'GET', `${API}/invoices/${paid.invoiceId}`)).body).toEqual(reply.body);

    const [event] = await eventually(() => (paidEvents(paid.tenantId).length > 0 ? paidEvents(paid.tenantId) : false), {
      description: 'invoice.paid',
    });
    expect(event?.data).toEqual({
      tenant_id: paid.tenantId,
      invoice_id: paid.invoiceId,
      number: view.number,
      amount_cents: 19_900,
      currency: 'EUR',
      paid_at: paidAt,
      method: 'manual',
      reference: 'SEPA 2025-03-03 #8812',
    });
  });

  it('when the invoice is already paid, then 409 naming when, and nothing more is published', async () => {
    const paid = await paidTenant(h);
    expect((await markPaid(paid.invoiceId)).status).toBe(200);
    await eventually(() => paidEvents(paid.tenantId).length === 1, { description: 'invoice.paid' });
    const before = await snapshot(h, paid.tenantId);

    const again = await markPaid(paid.invoiceId, { reference: 'twice' });
    expectProblem(again, 409, 'conflict');
    expect(String((again.body as { detail: string }).detail)).toMatch(/already paid at \d{4}-/);
    await expectUntouched(h, before);
  });

  it('when a retry carries the same Idempotency-Key, then the first answer comes again instead of the 409', async () => {
    const paid = await paidTenant(h);
    const first = await markPaid(paid.invoiceId, { reference: 'wire 1' }, { 'idempotency-key': 'mark-paid-1' });
    const retry = await markPaid(paid.invoiceId, { reference: 'wire 1' }, { 'idempotency-key': 'mark-paid-1' });
    expect(first.status).toBe(200);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('when a tenant key tries to mark its own invoice paid, then 403 and the invoice stays open', async () => {
    const paid = await paidTenant(h);
    const before = await snapshot(h, paid.tenantId);
    expectProblem(
      await send(h, tenantKey(paid.tenantId), 'POST', `${API}/invoices/${paid.invoiceId}/mark-paid`, { body: {} }),
      403,
      'forbidden',
    );
    expect(before.view.invoices.find((invoice) => invoice.id === paid.invoiceId)?.status).toBe('open');
    await expectUntouched(h, before);
  });

  it('when the document is a credit note, then 409: there is nothing to pay', async () => {
    const paid = await paidTenant(h, { planId: 'pro' });
    h.clock.advance(10 * DAY);
    const downgrade = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, {
      plan_id: 'basic',
      timing: 'immediate',
    });
    const creditNote = invoiceViewSchema.parse(downgrade.body.invoice);
    expect(creditNote.document_type).toBe('credit_note');
    expectProblem(await markPaid(String(creditNote.id)), 409, 'conflict');
  });

  it.each([
    ['a payment date in the future', { paid_at: '2999-01-01T00:00:00Z' }, 'paid_at'],
    ['a payment date before the invoice', { paid_at: '2000-01-01T00:00:00Z' }, 'paid_at'],
    ['a payment date that is no date', { paid_at: 'yesterday' }, 'paid_at'],
    ['a reference of 201 characters', { reference: 'x'.repeat(201) }, 'reference'],
    ['an unknown field', { amount_cents: 1 }, ''],
  ])('when the request has %s, then 400 naming the field, and the invoice stays open', async (_case, body, field) => {
    const paid = await paidTenant(h);
    const before = await snapshot(h, paid.tenantId);
    expectProblem(await markPaid(paid.invoiceId, body), 400, 'validation-failed', field ? [field] : []);
    await expectUntouched(h, before);
  });

  it('when the invoice does not exist, then 404', async () => {
    expectProblem(await markPaid('in_doesnotexist000000'), 404, 'not-found');
  });

  it('when the credit balance covers a whole invoice, then it is paid at once, by the credit balance', async () => {
    // Enterprise, 10 days in: an immediate downgrade to basic credits more than basic's next invoice costs.
    const paid = await paidTenant(h, { planId: 'enterprise' });
    // Paid: its credit becomes spendable (unpaid, the credit would reduce it instead).
    expect((await h.call(ADMIN, 'POST', `${API}/invoices/${paid.invoiceId}/mark-paid`, {})).status).toBe(200);
    h.clock.advance(10 * DAY);
    await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, {
      plan_id: 'basic',
      timing: 'immediate',
    });
    h.clock.advance(30 * DAY);
    await h.runScheduler();
    const renewal = await eventually(
      async () => {
        const invoices = (await h.call<{ items: unknown[] }>(ADMIN, 'GET', `${API}/invoices?tenant_id=${paid.tenantId}`)).body.items.map(
          (item) => invoiceViewSchema.parse(item),
        );
        const found = invoices.find((invoice) => invoice.reason === 'renewal');
        return found?.status === 'paid' ? found : false;
      },
      { description: 'the renewal paid from the credit balance' },
    );
    expect(renewal).toMatchObject({ total_cents: 0, paid_at: expect.any(String) });
    const renewalPaid = () => paidEvents(paid.tenantId).filter((event) => event.data.invoice_id === renewal.id);
    const events = await eventually(() => (renewalPaid().length > 0 ? renewalPaid() : false), { description: 'invoice.paid' });
    expect(events.map((event) => [event.data.invoice_id, event.data.method, event.data.amount_cents])).toEqual([
      [renewal.id, 'credit_balance', 0],
    ]);
  });

  it('when an invoice is still unpaid after its due date, then the scheduler marks it overdue once, with invoice.overdue, and it can still be paid', async () => {
    const paid = await paidTenant(h);
    const invoicePath = `${API}/invoices/${paid.invoiceId}`;
    const statusNow = async () => invoiceViewSchema.parse((await h.call(tenantKey(paid.tenantId), 'GET', invoicePath)).body).status;
    const overdueIds = async () =>
      (await h.call<{ items: Array<{ id: string }> }>(tenantKey(paid.tenantId), 'GET', `${API}/invoices?status=overdue`)).body.items.map(
        ({ id }) => id,
      );
    const { due_at: dueAt } = invoiceViewSchema.parse((await h.call(tenantKey(paid.tenantId), 'GET', invoicePath)).body);

    h.clock.set(new Date(Date.parse(String(dueAt)) - 1_000));
    await h.runScheduler();
    expect(await statusNow()).toBe('open');

    h.clock.set(new Date(Date.parse(String(dueAt)) + 1_000));
    await h.runScheduler();
    await h.runScheduler();
    expect(await statusNow()).toBe('overdue');
    expect(await overdueIds()).toEqual([paid.invoiceId]);
    const [overdue] = await eventually(
      () => (h.eventsOf(paid.tenantId, 'invoice.overdue').length > 0 ? h.eventsOf(paid.tenantId, 'invoice.overdue') : false),
      {
        description: 'invoice.overdue',
      },
    );
    expect(overdue?.data).toEqual({
      tenant_id: paid.tenantId,
      invoice_id: paid.invoiceId,
      number: expect.any(String),
      amount_cents: 4_900,
      currency: 'EUR',
      due_at: dueAt,
    });

    expect((await markPaid(paid.invoiceId, { reference: 'late transfer' })).status).toBe(200);
    expect([await statusNow(), await overdueIds()]).toEqual(['paid', []]);
    await eventually(() => paidEvents(paid.tenantId).length === 1, { description: 'invoice.paid' });
    expect(h.eventsOf(paid.tenantId, 'invoice.overdue')).toHaveLength(1);
  });
});
