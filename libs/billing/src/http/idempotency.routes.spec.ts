import { eventually } from '@tenantry/testing';
import { startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem, expectUntouched, paidTenant, send, snapshot, trialTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';

/**
 * MISSION §4: POSTs that create or charge accept an Idempotency-Key; a replay answers the first result
 * (and bills nothing more), the same key with another body is 422.
 */
describe('Idempotency-Key on the billing writes', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  const withKey = (key: string) => ({ 'idempotency-key': key });
  const invoiceEventArrived = (tenantId: string, invoiceId: string) =>
    eventually(() => h.eventsOf(tenantId, 'invoice.issued').some((event) => event.data.invoice_id === invoiceId), {
      description: `invoice.issued ${invoiceId}`,
    });

  describe('POST /subscribe', () => {
    it('when a subscription is retried with the same key, then the first answer comes again and the tenant is billed once', async () => {
      const tenantId = await trialTenant(h);
      const first = await send(h, tenantKey(tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'pro', interval: 'annual' },
        headers: withKey('subscribe-1'),
      });
      expect(first.status).toBe(201);
      const firstBody = first.body as { invoice: { id: string; total_cents: number } };
      expect(firstBody.invoice.total_cents).toBe(199_000);
      expect(first.headers.get('location')).toBe(
        `${API}/subscriptions/${(first.body as { subscription: { id: string } }).subscription.id}`,
      );
      await invoiceEventArrived(tenantId, firstBody.invoice.id);
      const before = await snapshot(h, tenantId);

      const replay = await send(h, tenantKey(tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'pro', interval: 'annual' },
        headers: withKey('subscribe-1'),
      });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('location')).toBe(first.headers.get('location'));
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(before.view.invoices.map((invoice) => invoice.id)).toEqual([firstBody.invoice.id]);
      await expectUntouched(h, before);
    });

    it('when the same key comes with another plan, then 422 and nothing more is billed', async () => {
      const tenantId = await trialTenant(h);
      const first = await send(h, tenantKey(tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'pro' },
        headers: withKey('subscribe-2'),
      });
      await invoiceEventArrived(tenantId, String((first.body as { invoice: { id: string } }).invoice.id));
      const before = await snapshot(h, tenantId);

      const reply = await send(h, tenantKey(tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'enterprise' },
        headers: withKey('subscribe-2'),
      });
      expectProblem(reply, 422, 'unprocessable');
      await expectUntouched(h, before);
    });

    it('when a refused subscription is retried with its key, then the same 409 comes again', async () => {
      const paid = await paidTenant(h);
      const first = await send(h, tenantKey(paid.tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'pro' },
        headers: withKey('subscribe-3'),
      });
      const replay = await send(h, tenantKey(paid.tenantId), 'POST', `${API}/subscribe`, {
        body: { plan_id: 'pro' },
        headers: withKey('subscribe-3'),
      });
      expectProblem(first, 409, 'conflict');
      const { request_id: _first, ...problem } = first.body as Record<string, unknown>;
      expect(replay).toMatchObject({ status: 409, body: problem });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    });

    it('when two tenants use the same key, then each gets its own subscription', async () => {
      const [a, b] = [await trialTenant(h), await trialTenant(h)];
      const replyA = await send(h, tenantKey(a), 'POST', `${API}/subscribe`, { body: { plan_id: 'pro' }, headers: withKey('shared-key') });
      const replyB = await send(h, tenantKey(b), 'POST', `${API}/subscribe`, { body: { plan_id: 'pro' }, headers: withKey('shared-key') });
      expect([replyA.status, replyB.status]).toEqual([201, 201]);
      expect(replyB.headers.get('idempotent-replayed')).toBeNull();
      expect(replyB.body).toMatchObject({ subscription: { tenant_id: b }, invoice: { tenant_id: b } });
    });
  });

  describe('POST /subscriptions/{id}/change', () => {
    it('when an upgrade is retried with the same key, then the same invoice comes again and the proration is billed once', async () => {
      const paid = await paidTenant(h);
      h.clock.advance(10 * 24 * 60 * 60 * 1000);
      const path = `${API}/subscriptions/${paid.subscriptionId}/change`;
      const first = await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { plan_id: 'pro' }, headers: withKey('change-1') });
      expect(first).toMatchObject({
        status: 200,
        body: { kind: 'upgrade', subscription: { plan_id: 'pro' }, invoice: { id: expect.any(String) } },
      });
      const invoiceId = (first.body as { invoice: { id: string } }).invoice.id;
      await invoiceEventArrived(paid.tenantId, invoiceId);
      const before = await snapshot(h, paid.tenantId);

      const replay = await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { plan_id: 'pro' }, headers: withKey('change-1') });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(before.view.invoices.map((invoice) => invoice.id)).toEqual([invoiceId, paid.invoiceId]);
      expect(h.eventsOf(paid.tenantId, 'subscription.upgraded')).toHaveLength(1);
      await expectUntouched(h, before);
    });

    it('when a change is previewed with a key and then made with the same key, then the change is made: a preview never answers for it', async () => {
      const paid = await paidTenant(h);
      const path = `${API}/subscriptions/${paid.subscriptionId}/change`;
      const preview = await send(h, tenantKey(paid.tenantId), 'POST', `${path}?preview=true`, {
        body: { plan_id: 'pro' },
        headers: withKey('change-3'),
      });
      expect(preview).toMatchObject({ status: 200, body: { preview: true, invoice: { id: null, status: 'draft' } } });

      const change = await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { plan_id: 'pro' }, headers: withKey('change-3') });
      expect(change.headers.get('idempotent-replayed')).toBeNull();
      expect(change).toMatchObject({
        status: 200,
        body: { preview: false, subscription: { plan_id: 'pro' }, invoice: { id: expect.any(String), status: 'open' } },
      });
      expect((await h.call(tenantKey(paid.tenantId), 'GET', `${API}/subscriptions/${paid.subscriptionId}`)).body).toMatchObject({
        plan_id: 'pro',
      });
    });

    it('when the same key comes with another plan, then 422 and the subscription stays on the first change', async () => {
      const paid = await paidTenant(h);
      const path = `${API}/subscriptions/${paid.subscriptionId}/change`;
      const first = await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { plan_id: 'pro' }, headers: withKey('change-2') });
      await invoiceEventArrived(paid.tenantId, (first.body as { invoice: { id: string } }).invoice.id);
      const before = await snapshot(h, paid.tenantId);

      expectProblem(
        await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { plan_id: 'enterprise' }, headers: withKey('change-2') }),
        422,
        'unprocessable',
      );
      expect(before.view.subscriptions[0]).toMatchObject({ plan_id: 'pro' });
      await expectUntouched(h, before);
    });
  });

  describe('POST /subscriptions/{id}/cancel', () => {
    it('when a cancellation is retried with the same key, then the same credit note comes again and it is credited once', async () => {
      const paid = await paidTenant(h);
      const path = `${API}/subscriptions/${paid.subscriptionId}/cancel`;
      const first = await send(h, tenantKey(paid.tenantId), 'POST', path, {
        body: { timing: 'immediate', reason: 'too expensive' },
        headers: withKey('cancel-1'),
      });
      expect(first).toMatchObject({
        status: 200,
        body: { subscription: { status: 'cancelled' }, credit_note: { id: expect.any(String), document_type: 'credit_note' } },
      });
      const creditNoteId = (first.body as { credit_note: { id: string } }).credit_note.id;
      await invoiceEventArrived(paid.tenantId, creditNoteId);
      await eventually(() => h.eventsOf(paid.tenantId, 'subscription.cancelled').length === 1, { description: 'subscription.cancelled' });
      const before = await snapshot(h, paid.tenantId);

      const replay = await send(h, tenantKey(paid.tenantId), 'POST', path, {
        body: { timing: 'immediate', reason: 'too expensive' },
        headers: withKey('cancel-1'),
      });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(before.view.invoices.map((invoice) => invoice.id)).toEqual([creditNoteId, paid.invoiceId]);
      await expectUntouched(h, before);
    });

    it('when the same key comes with another timing, then 422 and the cancellation stays as first asked', async () => {
      const paid = await paidTenant(h);
      const path = `${API}/subscriptions/${paid.subscriptionId}/cancel`;
      const first = await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { timing: 'period_end' }, headers: withKey('cancel-2') });
      expect(first).toMatchObject({
        status: 200,
        body: { subscription: { status: 'active', pending_change: { kind: 'cancellation' } }, credit_note: null },
      });
      const before = await snapshot(h, paid.tenantId);

      expectProblem(
        await send(h, tenantKey(paid.tenantId), 'POST', path, { body: { timing: 'immediate' }, headers: withKey('cancel-2') }),
        422,
        'unprocessable',
      );
      await expectUntouched(h, before);
    });
  });

  describe('DELETE /subscriptions/{id}/pending-change', () => {
    it('when a withdrawal is retried with the same key, then the first answer comes again instead of a 409 for the change already gone', async () => {
      const paid = await paidTenant(h, { planId: 'pro' });
      const subscriptionPath = `${API}/subscriptions/${paid.subscriptionId}`;
      expect((await send(h, tenantKey(paid.tenantId), 'POST', `${subscriptionPath}/change`, { body: { plan_id: 'basic' } })).status).toBe(
        200,
      );

      const first = await send(h, tenantKey(paid.tenantId), 'DELETE', `${subscriptionPath}/pending-change`, {
        headers: withKey('withdraw-1'),
      });
      expect(first).toMatchObject({ status: 200, body: { subscription: { plan_id: 'pro', pending_change: null } } });
      const replay = await send(h, tenantKey(paid.tenantId), 'DELETE', `${subscriptionPath}/pending-change`, {
        headers: withKey('withdraw-1'),
      });
      expect(replay).toMatchObject({ status: 200, body: first.body });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      // Without the key, the same request says what is true now: nothing is scheduled.
      expectProblem(await send(h, tenantKey(paid.tenantId), 'DELETE', `${subscriptionPath}/pending-change`), 409, 'conflict');
    });
  });
});
