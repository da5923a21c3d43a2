import {
  subscriptionChangeResultSchema,
  tenantSubscriptionChangePath,
  tenantUsageDaysPath,
  tenantUsageDaysSchema,
} from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { startBillingHarness, tenantKey, TENANTS_SERVICE, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem, expectUntouched, paidTenant, snapshot, trialTenant } from './test-support/route-calls';

/**
 * `/internal/v1`: what the tenants service calls for `POST /tenants/{id}/upgrade` (it knows the tenant,
 * not the subscription) and `GET /tenants/{id}/usage` (the metered days). Platform services only; the
 * 403s for tenant keys and the admin are in access.routes.spec.ts.
 */
describe('billing internal endpoints, called by a platform service', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness({ start: new Date('2025-03-01T10:00:00Z') });
  });
  afterAll(() => h.close());

  describe('POST /internal/v1/tenants/{id}/subscription/change', () => {
    it("when the tenants service upgrades a tenant, then the tenant's live subscription is upgraded and invoiced as through the public API", async () => {
      const paid = await paidTenant(h);
      const reply = await h.call(TENANTS_SERVICE, 'POST', tenantSubscriptionChangePath(paid.tenantId), { plan_id: 'pro' });
      expect(reply.status).toBe(200);
      const result = subscriptionChangeResultSchema.parse(reply.body);
      expect(result).toMatchObject({
        preview: false,
        kind: 'upgrade',
        timing: 'immediate',
        subscription: { id: paid.subscriptionId, tenant_id: paid.tenantId, plan_id: 'pro' },
      });
      expect(result.invoice).toMatchObject({ tenant_id: paid.tenantId, document_type: 'invoice', reason: 'plan_change', status: 'open' });
      const read = await h.call(tenantKey(paid.tenantId), 'GET', `/api/v1/monetization/subscriptions/${paid.subscriptionId}`);
      expect(read.body).toMatchObject({ plan_id: 'pro', status: 'active' });
      await eventually(() => h.eventsOf(paid.tenantId, 'subscription.upgraded').length === 1, { description: 'subscription.upgraded' });
      expect(h.eventsOf(paid.tenantId, 'subscription.upgraded')[0]?.data).toMatchObject({
        subscription_id: paid.subscriptionId,
        from_plan_id: 'basic',
        to_plan_id: 'pro',
      });
    });

    it('when it only previews the change, then the answer is a draft and nothing changes', async () => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      const reply = await h.call(TENANTS_SERVICE, 'POST', `${tenantSubscriptionChangePath(paid.tenantId)}?preview=true`, {
        plan_id: 'enterprise',
      });
      expect(reply).toMatchObject({
        status: 200,
        body: {
          preview: true,
          kind: 'upgrade',
          subscription: { plan_id: 'enterprise' },
          invoice: { id: null, number: null, status: 'draft' },
        },
      });
      await expectUntouched(h, before);
    });

    it('when a trial tenant is upgraded, then the trial moves to the plan at once without an invoice', async () => {
      const tenantId = await trialTenant(h);
      const reply = await h.call(TENANTS_SERVICE, 'POST', tenantSubscriptionChangePath(tenantId), { plan_id: 'pro' });
      expect(reply).toMatchObject({
        status: 200,
        body: { kind: 'upgrade', timing: 'immediate', subscription: { plan_id: 'pro', status: 'trialing' }, invoice: null },
      });
    });

    it.each([
      ['an empty body', 'plan_id', {}],
      ['a plan that does not exist', 'plan_id', { plan_id: 'gold' }],
      ['a timing that does not exist', 'timing', { plan_id: 'pro', timing: 'later' }],
    ])('when the body has %s, then 400 naming %s and nothing changes', async (_case, field, body) => {
      const paid = await paidTenant(h);
      const before = await snapshot(h, paid.tenantId);
      expectProblem(await h.call(TENANTS_SERVICE, 'POST', tenantSubscriptionChangePath(paid.tenantId), body), 400, 'validation-failed', [
        field,
      ]);
      await expectUntouched(h, before);
    });

    it('when the query is ?preview=maybe, then 400 naming query.preview', async () => {
      const paid = await paidTenant(h);
      expectProblem(
        await h.call(TENANTS_SERVICE, 'POST', `${tenantSubscriptionChangePath(paid.tenantId)}?preview=maybe`, { plan_id: 'pro' }),
        400,
        'validation-failed',
        ['query.preview'],
      );
    });

    it('when the tenant is unknown to billing, then 404', async () => {
      expectProblem(
        await h.call(TENANTS_SERVICE, 'POST', tenantSubscriptionChangePath('ten_unknown000000'), { plan_id: 'pro' }),
        404,
        'not-found',
      );
    });

    it('when the tenant has no live subscription (cancelled), then 404 saying so', async () => {
      const paid = await paidTenant(h);
      await h.call(tenantKey(paid.tenantId), 'POST', `/api/v1/monetization/subscriptions/${paid.subscriptionId}/cancel`, {
        timing: 'immediate',
      });
      const reply = await h.call(TENANTS_SERVICE, 'POST', tenantSubscriptionChangePath(paid.tenantId), { plan_id: 'pro' });
      expectProblem(reply, 404, 'not-found');
      expect(reply.body.detail).toContain('no live subscription');
    });
  });

  describe('GET /internal/v1/tenants/{id}/usage-days', () => {
    it('when the tenant has metered calls, then only the days with calls come, ascending, on local dates', async () => {
      const tenantId = await trialTenant(h, { timezone: 'Europe/Ljubljana' });
      // 23:30 UTC on 3 March is already 4 March in Ljubljana; the 5 March batch comes first.
      await h.meter(tenantId, new Date('2025-03-05T09:00:00Z'), 30);
      await h.meter(tenantId, new Date('2025-03-03T23:30:00Z'), 20);
      await h.meter(tenantId, new Date('2025-03-02T12:00:00Z'), 10);
      const path = `${tenantUsageDaysPath(tenantId)}?from=2025-03-01&to=2025-03-31`;
      const days = await eventually(
        async () => {
          const reply = await h.call(TENANTS_SERVICE, 'GET', path);
          const body = tenantUsageDaysSchema.parse(reply.body);
          return body.days.reduce((sum, day) => sum + day.calls, 0) === 60 && body;
        },
        { description: 'the 60 metered calls' },
      );
      expect(days).toEqual({
        tenantId,
        days: [
          { date: '2025-03-02', calls: 10 },
          { date: '2025-03-04', calls: 20 },
          { date: '2025-03-05', calls: 30 },
        ],
      });
    });

    it('when a tenant has no usage, then the list of days is empty', async () => {
      const tenantId = await trialTenant(h);
      expect(await h.call(TENANTS_SERVICE, 'GET', `${tenantUsageDaysPath(tenantId)}?from=2025-03-01&to=2025-03-01`)).toMatchObject({
        status: 200,
        body: { tenantId, days: [] },
      });
    });

    // Query fields are named with their prefix, as route validation names them (validation.ts).
    it.each([
      ['no to', 'query.to', '?from=2025-03-01'],
      ['a malformed date', 'query.from', '?from=2025-3-1&to=2025-03-31'],
      ['an unknown parameter', 'query.granularity', '?from=2025-03-01&to=2025-03-31&granularity=hour'],
      ['from after to', 'query.to', '?from=2025-03-31&to=2025-03-01'],
      ['more than 366 days', 'query.to', '?from=2024-01-01&to=2025-03-01'],
    ])('when the query has %s, then 400 naming %s', async (_case, field, query) => {
      const tenantId = await trialTenant(h);
      expectProblem(await h.call(TENANTS_SERVICE, 'GET', `${tenantUsageDaysPath(tenantId)}${query}`), 400, 'validation-failed', [field]);
    });
  });
});
