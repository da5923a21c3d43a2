import { signIdentity } from '@tenantry/http';
import { ADMIN, startBillingHarness, tenantKey, TENANTS_SERVICE, type BillingHarness } from '../test-support/billing-harness';
import { adminView, expectProblem, expectUntouched, paidTenant, send, snapshot, type PaidTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';

/**
 * MISSION §3: only requests signed by the gateway get past the catalog; a tenant key can never read or
 * change another tenant, and finds its resources exactly as it finds ids that do not exist (404).
 */
describe('billing API access', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  describe('requests that did not come through the gateway', () => {
    it.each([
      ['POST', `${API}/subscribe`, { plan_id: 'pro' }],
      ['GET', `${API}/subscriptions?tenant_id=ten_any`, undefined],
      ['GET', `${API}/subscriptions/sub_any`, undefined],
      ['GET', `${API}/subscriptions/sub_any/upcoming-invoice`, undefined],
      ['POST', `${API}/subscriptions/sub_any/change`, { plan_id: 'pro' }],
      ['POST', `${API}/subscriptions/sub_any/change?preview=true`, { plan_id: 'pro' }],
      ['POST', `${API}/subscriptions/sub_any/cancel`, { timing: 'immediate' }],
      ['DELETE', `${API}/subscriptions/sub_any/pending-change`, undefined],
      ['POST', `${API}/usage-report?tenant_id=ten_any`, {}],
      ['GET', `${API}/invoices?tenant_id=ten_any`, undefined],
      ['GET', `${API}/invoices/inv_any`, undefined],
      ['POST', `${API}/invoices/inv_any/mark-paid`, {}],
      ['POST', '/internal/v1/tenants/ten_any/subscription/change', { plan_id: 'pro' }],
      ['GET', '/internal/v1/tenants/ten_any/usage-days?from=2025-03-01&to=2025-03-02', undefined],
    ])('when %s %s comes unsigned, then 401 with the scheme to authenticate with', async (method, path, body) => {
      const reply = await h.call(null, method, path, body);
      expectProblem(reply, 401, 'unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="tenantry"');
    });

    it("when a tenant's signed headers for reading its subscription are replayed to cancel it, then 401 and the subscription stays", async () => {
      const paid = await paidTenant(h);
      const signedForRead = signIdentity(
        tenantKey(paid.tenantId),
        { method: 'GET', url: `${API}/subscriptions/${paid.subscriptionId}`, audience: 'billing' },
        h.platform.config.internalSecret.value,
      );
      const reply = await send(h, null, 'POST', `${API}/subscriptions/${paid.subscriptionId}/cancel`, {
        body: { timing: 'immediate' },
        headers: signedForRead,
      });
      expectProblem(reply, 401, 'unauthorized');
      expect((await adminView(h, paid.tenantId)).subscriptions[0]).toMatchObject({ id: paid.subscriptionId, status: 'active' });
    });

    it('when the headers were signed for the tenants service, then billing refuses them with a 403 problem', async () => {
      const path = `${API}/subscriptions?tenant_id=ten_any`;
      const forTenants = signIdentity(ADMIN, { method: 'GET', url: path, audience: 'tenants' }, h.platform.config.internalSecret.value);
      const reply = await send(h, null, 'GET', path, { headers: forTenants });
      expectProblem(reply, 403, 'forbidden');
      expect(reply.body).toMatchObject({ detail: 'This request was signed for the tenants service, not for billing.' });
    });

    it('when the headers are signed with another secret, then 401', async () => {
      const path = `${API}/subscriptions?tenant_id=ten_any`;
      const forged = signIdentity(ADMIN, { method: 'GET', url: path, audience: 'billing' }, 'not-the-internal-secret-'.padEnd(48, 'y'));
      expectProblem(await send(h, null, 'GET', path, { headers: forged }), 401, 'unauthorized');
    });
  });

  describe('a tenant key and another tenant', () => {
    let mine: PaidTenant;
    beforeAll(async () => {
      mine = await paidTenant(h);
    });

    const attempts: Array<[string, string, (t: PaidTenant) => string, (t: PaidTenant) => unknown]> = [
      ['reads their subscription', 'GET', (t) => `${API}/subscriptions/${t.subscriptionId}`, () => undefined],
      ['reads their upcoming invoice', 'GET', (t) => `${API}/subscriptions/${t.subscriptionId}/upcoming-invoice`, () => undefined],
      ['upgrades their subscription', 'POST', (t) => `${API}/subscriptions/${t.subscriptionId}/change`, () => ({ plan_id: 'enterprise' })],
      [
        'previews an upgrade of their subscription',
        'POST',
        (t) => `${API}/subscriptions/${t.subscriptionId}/change?preview=true`,
        () => ({ plan_id: 'enterprise' }),
      ],
      ['cancels their subscription now', 'POST', (t) => `${API}/subscriptions/${t.subscriptionId}/cancel`, () => ({ timing: 'immediate' })],
      ['cancels their subscription at period end', 'POST', (t) => `${API}/subscriptions/${t.subscriptionId}/cancel`, () => ({})],
      ['withdraws their scheduled change', 'DELETE', (t) => `${API}/subscriptions/${t.subscriptionId}/pending-change`, () => undefined],
      ['reads their invoice', 'GET', (t) => `${API}/invoices/${t.invoiceId}`, () => undefined],
      ['lists their subscriptions', 'GET', (t) => `${API}/subscriptions?tenant_id=${t.tenantId}`, () => undefined],
      ['lists their invoices', 'GET', (t) => `${API}/invoices?tenant_id=${t.tenantId}`, () => undefined],
      ['subscribes them to another plan', 'POST', (t) => `${API}/subscribe?tenant_id=${t.tenantId}`, () => ({ plan_id: 'pro' })],
      ['asks for their usage report', 'POST', (t) => `${API}/usage-report?tenant_id=${t.tenantId}`, () => ({})],
    ];

    it.each(attempts)(
      'when my key %s, then 404, and neither tenant changes nor emits anything',
      async (_case, method, pathFor, bodyFor) => {
        const theirs = await paidTenant(h);
        const theirsBefore = await snapshot(h, theirs.tenantId);
        const mineBefore = await adminView(h, mine.tenantId);
        expectProblem(await h.call(tenantKey(mine.tenantId), method, pathFor(theirs), bodyFor(theirs)), 404, 'not-found');
        expect(await adminView(h, mine.tenantId)).toEqual(mineBefore);
        await expectUntouched(h, theirsBefore);
      },
    );

    it('when my key asks for an id that does not exist, then the answer reads like the one for their id', async () => {
      const theirs = await paidTenant(h);
      const theirsReply = await h.call(tenantKey(mine.tenantId), 'GET', `${API}/subscriptions/${theirs.subscriptionId}`);
      const missingReply = await h.call(tenantKey(mine.tenantId), 'GET', `${API}/subscriptions/sub_doesnotexist000000`);
      expect(missingReply.status).toBe(theirsReply.status);
      expect(String(theirsReply.body.detail).replace(theirs.subscriptionId, '<id>')).toBe(
        String(missingReply.body.detail).replace('sub_doesnotexist000000', '<id>'),
      );
    });
  });

  describe('the platform admin', () => {
    // The admin names the tenant with ?tenant_id=, named as route validation names query fields.
    it.each([
      ['lists subscriptions', 'GET', `${API}/subscriptions`, undefined, 'query.tenant_id'],
      ['lists invoices', 'GET', `${API}/invoices`, undefined, 'query.tenant_id'],
      ['subscribes', 'POST', `${API}/subscribe`, { plan_id: 'pro' }, 'query.tenant_id'],
      ['asks for a usage report', 'POST', `${API}/usage-report`, {}, 'query.tenant_id'],
    ])('when the admin %s without naming the tenant, then 400 naming the field', async (_case, method, path, body, field) => {
      expectProblem(await h.call(ADMIN, method, path, body), 400, 'validation-failed', [field]);
    });

    it("when the admin reads a tenant's subscription and invoice by id alone, then they come", async () => {
      const paid = await paidTenant(h);
      expect(await h.call(ADMIN, 'GET', `${API}/subscriptions/${paid.subscriptionId}`)).toMatchObject({
        status: 200,
        body: { id: paid.subscriptionId, tenant_id: paid.tenantId },
      });
      expect(await h.call(ADMIN, 'GET', `${API}/invoices/${paid.invoiceId}`)).toMatchObject({
        status: 200,
        body: { id: paid.invoiceId, tenant_id: paid.tenantId },
      });
    });

    it.each([
      ['a subscription', `${API}/subscriptions/sub_doesnotexist000000`],
      ['an invoice', `${API}/invoices/inv_doesnotexist000000`],
    ])('when the admin reads %s that does not exist, then 404', async (_case, path) => {
      expectProblem(await h.call(ADMIN, 'GET', path), 404, 'not-found');
    });

    it('when the admin names a tenant billing does not know, then 404', async () => {
      expectProblem(await h.call(ADMIN, 'POST', `${API}/subscribe?tenant_id=ten_unknown000000`, { plan_id: 'pro' }), 404, 'not-found');
      expectProblem(await h.call(ADMIN, 'POST', `${API}/usage-report?tenant_id=ten_unknown000000`, {}), 404, 'not-found');
    });
  });

  describe('internal endpoints (/internal/v1)', () => {
    const internalCalls = (tenantId: string): Array<[string, string, unknown]> => [
      ['POST', `/internal/v1/tenants/${tenantId}/subscription/change`, { plan_id: 'pro' }],
      ['POST', `/internal/v1/tenants/${tenantId}/subscription/change?preview=true`, { plan_id: 'pro' }],
      ['GET', `/internal/v1/tenants/${tenantId}/usage-days?from=2025-03-01&to=2025-03-31`, undefined],
    ];

    it.each([
      ['its own tenant key', (tenantId: string) => tenantKey(tenantId)],
      ['the platform admin', () => ADMIN],
    ])('when %s calls them, then 403 and the subscription stays', async (_case, identityFor) => {
      const paid = await paidTenant(h);
      const before = await adminView(h, paid.tenantId);
      for (const [method, path, body] of internalCalls(paid.tenantId)) {
        const reply = await h.call(identityFor(paid.tenantId), method, path, body);
        expectProblem(reply, 403, 'forbidden');
      }
      expect(await adminView(h, paid.tenantId)).toEqual(before);
    });

    it('when a platform service calls them, then they work', async () => {
      const paid = await paidTenant(h);
      const preview = await h.call(TENANTS_SERVICE, 'POST', `/internal/v1/tenants/${paid.tenantId}/subscription/change?preview=true`, {
        plan_id: 'pro',
      });
      expect(preview).toMatchObject({
        status: 200,
        body: { preview: true, kind: 'upgrade', subscription: { id: paid.subscriptionId, plan_id: 'pro' } },
      });
      const days = await h.call(TENANTS_SERVICE, 'GET', `/internal/v1/tenants/${paid.tenantId}/usage-days?from=2025-03-01&to=2025-03-31`);
      expect(days).toMatchObject({ status: 200, body: { tenantId: paid.tenantId, days: [] } });
    });
  });
});
