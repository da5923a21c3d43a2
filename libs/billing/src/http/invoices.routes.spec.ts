import { invoiceViewSchema, type InvoiceView } from '@tenantry/contracts';
import { pageSchema } from '@tenantry/http';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem, paidTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';
const DAY_MS = 24 * 60 * 60 * 1000;
const invoicePage = pageSchema(invoiceViewSchema);

/** `GET /invoices` and `/invoices/{id}`: a tenant's documents, newest first, each with lines that add up. */
describe('GET /invoices', () => {
  let h: BillingHarness;
  let tenantId: string;
  /** The documents in the order they were issued. */
  const issued: InvoiceView[] = [];

  beforeAll(async () => {
    h = await startBillingHarness({ start: new Date('2025-03-01T10:00:00Z') });
    const paid = await paidTenant(h, { planId: 'basic' });
    tenantId = paid.tenantId;
    const first = await h.call(ADMIN, 'GET', `${API}/invoices/${paid.invoiceId}`);
    issued.push(invoiceViewSchema.parse(first.body));
    // Upgrade, immediate downgrade (a credit note), upgrade paid from the credit, longer interval; each
    // invoice paid as it comes (a credit note for an unpaid invoice would reduce that invoice instead).
    const pay = (invoice: InvoiceView) =>
      invoice.document_type === 'invoice' && invoice.status === 'open'
        ? h.call(ADMIN, 'POST', `${API}/invoices/${invoice.id}/mark-paid`, {})
        : undefined;
    await pay(issued[0] as InvoiceView);
    const changes: Array<[number, Record<string, string>]> = [
      [5, { plan_id: 'enterprise' }],
      [10, { plan_id: 'basic', timing: 'immediate' }],
      [12, { plan_id: 'pro' }],
      [15, { interval: 'annual' }],
    ];
    for (const [day, change] of changes) {
      h.clock.set(new Date(Date.parse('2025-03-01T10:00:00Z') + day * DAY_MS));
      const reply = await h.call(tenantKey(tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, change);
      if (reply.status !== 200 || !reply.body.invoice)
        throw new Error(`change ${JSON.stringify(change)} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      issued.push(invoiceViewSchema.parse(reply.body.invoice));
      await pay(issued.at(-1) as InvoiceView);
    }
  });
  afterAll(() => h.close());

  it('when the tenant lists its invoices two at a time, then every document comes once, newest first, and the last page says so', async () => {
    const seen: InvoiceView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const reply = await h.call(tenantKey(tenantId), 'GET', `${API}/invoices?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      const page = invoicePage.parse(reply.body);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((invoice) => invoice.id)).toEqual([...issued].reverse().map((invoice) => invoice.id));
    expect(seen.map((invoice) => invoice.number)).toEqual([...issued].reverse().map((invoice) => invoice.number));
  });

  it('when no limit is given, then one page holds them all and there is no next cursor', async () => {
    const page = invoicePage.parse((await h.call(tenantKey(tenantId), 'GET', `${API}/invoices`)).body);
    expect(page.items).toHaveLength(issued.length);
    expect(page.next_cursor).toBeNull();
  });

  it("when the admin lists the tenant's invoices, then they are the ones the tenant sees", async () => {
    const asAdmin = await h.call(ADMIN, 'GET', `${API}/invoices?tenant_id=${tenantId}&limit=100`);
    const asTenant = await h.call(tenantKey(tenantId), 'GET', `${API}/invoices?limit=100`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual(asTenant.body);
  });

  it('when a tenant with no paid subscription lists its invoices, then the list is empty', async () => {
    const other = await h.openTenant();
    expect((await h.call(tenantKey(other), 'GET', `${API}/invoices`)).body).toEqual({ items: [], next_cursor: null });
  });

  it('when each document is read by id, then its lines add up to its subtotal and the total equals the subtotal', async () => {
    for (const document of issued) {
      const reply = await h.call(tenantKey(tenantId), 'GET', `${API}/invoices/${String(document.id)}`);
      expect(reply.status).toBe(200);
      const invoice = invoiceViewSchema.parse(reply.body);
      expect(invoice).toMatchObject({
        id: document.id,
        tenant_id: tenantId,
        number: document.number,
        currency: 'EUR',
        document_type: document.document_type,
        reason: document.reason,
      });
      expect(invoice.lines.reduce((sum, line) => sum + line.amount_cents, 0)).toBe(invoice.subtotal_cents);
      expect(invoice.total_cents).toBe(invoice.subtotal_cents);
    }
  });

  it('when the documents are read, then they are the first invoice, the change invoices and a credit note for the immediate downgrade', async () => {
    expect(issued.map((invoice) => [invoice.document_type, invoice.reason])).toEqual([
      ['invoice', 'trial_conversion'],
      ['invoice', 'plan_change'],
      ['credit_note', 'plan_change'],
      ['invoice', 'plan_change'],
      ['invoice', 'plan_change'],
    ]);
    expect(issued[0]).toMatchObject({ subtotal_cents: 4_900, lines: [expect.objectContaining({ amount_cents: 4_900 })] });
    expect(issued[2]?.subtotal_cents).toBeLessThan(0);
    expect(issued[2]?.lines.every((line) => line.amount_cents !== 0)).toBe(true);
  });

  it('when the credit of the credit note pays for a later change, then that invoice shows it as a "Credit balance applied" line', async () => {
    const applied = issued
      .slice(3)
      .flatMap((invoice) => invoice.lines.filter((line) => line.kind === 'credit' && line.description === 'Credit balance applied'));
    expect(applied.length).toBeGreaterThan(0);
    // What the credit note credited is at most what was applied later, and no invoice total is negative.
    expect(-applied.reduce((sum, line) => sum + line.amount_cents, 0)).toBeLessThanOrEqual(-(issued[2]?.subtotal_cents ?? 0));
    for (const invoice of issued.filter((document) => document.document_type === 'invoice'))
      expect(invoice.total_cents).toBeGreaterThanOrEqual(0);
  });

  it('when the tenant reads an invoice id longer than any id, then 400 naming it, never a 500', async () => {
    expectProblem(await h.call(tenantKey(tenantId), 'GET', `${API}/invoices/${'x'.repeat(65)}`), 400, 'validation-failed', [
      'params.invoice_id',
    ]);
  });

  it('when the tenant reads an invoice that does not exist, then 404', async () => {
    expectProblem(await h.call(tenantKey(tenantId), 'GET', `${API}/invoices/inv_doesnotexist000000`), 404, 'not-found');
  });
});
