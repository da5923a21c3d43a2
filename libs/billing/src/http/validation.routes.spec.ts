import { eventually } from '@tenantry/testing';
import { startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem, expectUntouched, paidTenant, send, snapshot, trialTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';

/**
 * MISSION §4: every input is validated; bad input is a 4xx problem naming what is wrong, never a 500,
 * and leaves nothing behind: no subscription change, no invoice, no event.
 */
describe('billing API input validation', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  describe('POST /subscribe', () => {
    it.each([
      ['no planId', 'plan_id', { interval: 'monthly' }],
      ['a plan that does not exist', 'plan_id', { plan_id: 'gold' }],
      ['an interval that does not exist', 'interval', { plan_id: 'pro', interval: 'weekly' }],
      ['a trial-end behaviour that does not exist', 'trial_end_behavior', { plan_id: 'pro', trial_end_behavior: 'pause' }],
      ['a tenant_id in the body (the admin names the tenant with ?tenant_id=)', 'tenant_id', { tenant_id: 'ten_x', plan_id: 'pro' }],
      ['the camelCase of a field', 'planId', { planId: 'pro' }],
    ])('when the body has %s, then 400 naming %s and the trial goes on untouched', async (_case, field, body) => {
      const tenantId = await trialTenant(h);
      const before = await snapshot(h, tenantId);
      expectProblem(await h.call(tenantKey(tenantId), 'POST', `${API}/subscribe`, body), 400, 'validation-failed', [field]);
      await expectUntouched(h, before);
    });

    it('when the body has an unknown field, then 400 naming it and nothing is billed', async () => {
      const tenantId = await trialTenant(h);
      const before = await snapshot(h, tenantId);
      const reply = await h.call(tenantKey(tenantId), 'POST', `${API}/subscribe`, { plan_id: 'pro', coupon: 'FREE100' });
      expectProblem(reply, 400, 'validation-failed');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'coupon' })]);
      await expectUntouched(h, before);
    });

    it('when the active subscription exists, then 409 naming it and nothing is billed', async () => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscribe`, { plan_id: 'enterprise', interval: 'annual' });
      expectProblem(reply, 409, 'conflict');
      expect(reply.body).toMatchObject({ subscription_id: paid.subscriptionId, detail: expect.stringContaining(paid.subscriptionId) });
      await expectUntouched(h, before);
    });
  });

  describe('POST /subscriptions/{id}/change', () => {
    it.each([
      ['an empty body', 'plan_id', {}],
      ['a plan that does not exist', 'plan_id', { plan_id: 'gold' }],
      ['an interval that does not exist', 'interval', { interval: 'weekly' }],
      ['a timing that does not exist', 'timing', { plan_id: 'pro', timing: 'later' }],
      ['a plan id that is not a string', 'plan_id', { plan_id: 2 }],
    ])('when the body has %s, then 400 naming %s and the subscription stays', async (_case, field, body) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      expectProblem(
        await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, body),
        400,
        'validation-failed',
        [field],
      );
      await expectUntouched(h, before);
    });

    it('when the body has an unknown field, then 400 naming it', async () => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, {
        plan_id: 'pro',
        prorate: false,
      });
      expectProblem(reply, 400, 'validation-failed');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'prorate' })]);
      await expectUntouched(h, before);
    });

    it.each([
      ['?preview=maybe', 'query.preview'],
      ['?preview=1', 'query.preview'],
      ['?dry_run=true', 'query.dry_run'],
    ])('when the query is %s, then 400 naming %s and nothing is previewed or changed', async (query, field) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      expectProblem(
        await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change${query}`, { plan_id: 'pro' }),
        400,
        'validation-failed',
        [field],
      );
      await expectUntouched(h, before);
    });

    it('when the change is to the plan and interval in force, then 409 and nothing is billed', async () => {
      const paid = await paidTenant(h, { planId: 'pro', interval: 'annual' });
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, {
        plan_id: 'pro',
        interval: 'annual',
      });
      expectProblem(reply, 409, 'conflict');
      expect(reply.body.detail).toContain('pro');
      await expectUntouched(h, before);
    });

    it.each([
      ['an upgrade', { plan_id: 'pro', timing: 'period_end' }],
      ['a change to the annual interval', { interval: 'annual', timing: 'period_end' }],
    ])('when %s is asked at period end, then 400 naming timing (it applies at once) and nothing changes', async (_case, body) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`, body);
      expectProblem(reply, 400, 'validation-failed', ['timing']);
      expect(reply.body.errors).toEqual([{ field: 'timing', message: expect.stringContaining('immediate') }]);
      await expectUntouched(h, before);
    });

    it('when the same bad upgrade is only previewed, then the preview answers the same 400', async () => {
      const paid = await paidTenant(h);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change?preview=true`, {
        plan_id: 'pro',
        timing: 'period_end',
      });
      expectProblem(reply, 400, 'validation-failed', ['timing']);
    });

    it('when a trial is asked to change plan at period end, then 400 naming timing', async () => {
      const tenantId = await trialTenant(h);
      const before = await snapshot(h, tenantId);
      const trial = before.view.subscriptions[0];
      const reply = await h.call(tenantKey(tenantId), 'POST', `${API}/subscriptions/${String(trial?.id)}/change`, {
        plan_id: 'pro',
        timing: 'period_end',
      });
      expectProblem(reply, 400, 'validation-failed', ['timing']);
      await expectUntouched(h, before);
    });
  });

  describe('POST /subscriptions/{id}/cancel', () => {
    it.each([
      ['a timing that does not exist', 'timing', { timing: 'later' }],
      ['a blank reason', 'reason', { timing: 'immediate', reason: '   ' }],
      ['a reason of 501 characters', 'reason', { reason: 'x'.repeat(501) }],
    ])('when the body has %s, then 400 naming %s and the subscription stays', async (_case, field, body) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      expectProblem(
        await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/cancel`, body),
        400,
        'validation-failed',
        [field],
      );
      await expectUntouched(h, before);
    });
  });

  describe('a cancelled subscription', () => {
    it.each([
      ['changed', 'change', { plan_id: 'pro' }],
      ['previewed for a change', 'change?preview=true', { plan_id: 'pro' }],
      ['cancelled again', 'cancel', { timing: 'immediate' }],
      ['cancelled again at period end', 'cancel', {}],
    ])('when it is %s, then 409 and nothing is billed', async (_case, action, body) => {
      const paid = await paidTenant(h);
      const cancelled = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/cancel`, {
        timing: 'immediate',
      });
      expect(cancelled).toMatchObject({ status: 200, body: { subscription: { status: 'cancelled' } } });
      const creditNoteId = String(cancelled.body.credit_note?.id);
      await eventually(
        () =>
          h.eventsOf(paid.tenantId, 'subscription.cancelled').length === 1 &&
          h.eventsOf(paid.tenantId, 'invoice.issued').some((event) => event.data.invoice_id === creditNoteId),
        {
          description: 'the cancellation events',
        },
      );
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/${action}`, body);
      expectProblem(reply, 409, 'conflict');
      expect(reply.body).toMatchObject({ subscription_id: paid.subscriptionId, detail: expect.stringContaining('cancelled') });
      await expectUntouched(h, before);
    });
  });

  describe('POST /usage-report', () => {
    it.each([
      ['from after to', 'to', { from: '2025-03-10', to: '2025-03-01' }],
      ['only from', 'to', { from: '2025-03-01' }],
      ['only to', 'to', { to: '2025-03-01' }],
      ['a date that is not YYYY-MM-DD', 'from', { from: '2025-3-1', to: '2025-03-10' }],
      ['a date that does not exist', 'from', { from: '2025-02-29', to: '2025-03-10' }],
      ['a timestamp instead of a date', 'to', { from: '2025-03-01', to: '2025-03-10T00:00:00Z' }],
      ['more than 366 days', 'to', { from: '2024-01-01', to: '2025-03-01' }],
    ])('when the body has %s, then 400 naming %s', async (_case, field, body) => {
      const tenantId = await trialTenant(h);
      expectProblem(await h.call(tenantKey(tenantId), 'POST', `${API}/usage-report`, body), 400, 'validation-failed', [field]);
    });

    it('when the body has an unknown field, then 400 naming it', async () => {
      const tenantId = await trialTenant(h);
      const reply = await h.call(tenantKey(tenantId), 'POST', `${API}/usage-report`, { period: 'current' });
      expectProblem(reply, 400, 'validation-failed');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'period', message: 'Unknown field.' })]);
    });
  });

  describe('GET lists', () => {
    it.each([
      [`${API}/invoices?limit=0`, 'query.limit'],
      [`${API}/invoices?limit=101`, 'query.limit'],
      [`${API}/invoices?limit=ten`, 'query.limit'],
      [`${API}/invoices?cursor=bm90LWEtY3Vyc29y`, 'query.cursor'],
      [`${API}/invoices?status=late`, 'query.status'],
      [`${API}/subscriptions?status=active`, 'query.status'],
    ])('when %s is asked, then 400 naming %s', async (path, field) => {
      const tenantId = await trialTenant(h);
      expectProblem(await h.call(tenantKey(tenantId), 'GET', path), 400, 'validation-failed', [field]);
    });
  });

  describe('bodies that are not JSON objects', () => {
    const writes = (paid: { subscriptionId: string }) => [
      `${API}/subscribe`,
      `${API}/subscriptions/${paid.subscriptionId}/change`,
      `${API}/subscriptions/${paid.subscriptionId}/cancel`,
      `${API}/usage-report`,
    ];

    it('when the body is malformed JSON, then 400 malformed-json on every write and nothing changes', async () => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      for (const path of writes(paid))
        expectProblem(await send(h, tenantKey(paid.tenantId), 'POST', path, { rawBody: '{"plan_id": "pro",' }), 400, 'malformed-json');
      await expectUntouched(h, before);
    });

    it('when the body is not JSON at all, then 415 on every write and nothing changes', async () => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      for (const path of writes(paid)) {
        expectProblem(
          await send(h, tenantKey(paid.tenantId), 'POST', path, {
            rawBody: 'plan_id=pro',
            contentType: 'application/x-www-form-urlencoded',
          }),
          415,
          'unsupported-media-type',
        );
      }
      await expectUntouched(h, before);
    });

    it.each([
      ['a JSON array', '[{"plan_id":"pro"}]'],
      ['a JSON string', '"pro"'],
      ['JSON null', 'null'],
    ])('when the body is %s, then 400 and nothing changes', async (_case, rawBody) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      for (const path of writes(paid)) {
        const reply = await send(h, tenantKey(paid.tenantId), 'POST', path, { rawBody });
        expect(reply.status).toBe(400);
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
      }
      await expectUntouched(h, before);
    });

    it('when a write comes without a body, then 400 saying a body is required', async () => {
      const paid = await paidTenant(h);
      const reply = await send(h, tenantKey(paid.tenantId), 'POST', `${API}/subscriptions/${paid.subscriptionId}/change`);
      expectProblem(reply, 400, 'validation-failed');
      expect(reply.body).toMatchObject({ errors: [{ field: '', message: expect.stringContaining('body is required') }] });
    });
  });
});
