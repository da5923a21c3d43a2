import { subscriptionViewSchema } from '@tenantry/contracts';
import { pageSchema } from '@tenantry/http';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { paidTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';
const subscriptionPage = pageSchema(subscriptionViewSchema);

/**
 * `GET /subscriptions` and `/subscriptions/{id}` as a client reads them. What the lifecycle does to a
 * subscription (proration, renewals, trials) is in subscriptions/subscriptions.spec.ts.
 */
describe('GET /subscriptions', () => {
  let h: BillingHarness;
  let tenantId: string;
  let cancelledId: string;
  let liveId: string;
  beforeAll(async () => {
    h = await startBillingHarness({ start: new Date('2025-03-01T10:00:00Z') });
    const paid = await paidTenant(h);
    tenantId = paid.tenantId;
    cancelledId = paid.subscriptionId;
    await h.call(tenantKey(tenantId), 'POST', `${API}/subscriptions/${cancelledId}/cancel`, { timing: 'immediate' });
    h.clock.advance(60 * 60 * 1000);
    const again = await h.call(tenantKey(tenantId), 'POST', `${API}/subscribe`, { plan_id: 'pro', interval: 'annual' });
    if (again.status !== 201) throw new Error(`subscribing again answered ${again.status}`);
    liveId = again.body.subscription.id;
  });
  afterAll(() => h.close());

  it('when the tenant lists its subscriptions, then the live one comes first and the history after it', async () => {
    const reply = await h.call(tenantKey(tenantId), 'GET', `${API}/subscriptions`);
    expect(reply.status).toBe(200);
    const page = subscriptionPage.parse(reply.body);
    expect(page.items.map((subscription) => [subscription.id, subscription.status, subscription.plan_id, subscription.interval])).toEqual([
      [liveId, 'active', 'pro', 'annual'],
      [cancelledId, 'cancelled', 'basic', 'monthly'],
    ]);
    expect(page.items[1]?.cancelled_at).toBe('2025-03-01T10:00:00.000Z');
    expect(page.next_cursor).toBeNull();
  });

  it('when one subscription is read by id, then it is the view of the list', async () => {
    const list = subscriptionPage.parse((await h.call(tenantKey(tenantId), 'GET', `${API}/subscriptions`)).body);
    for (const id of [liveId, cancelledId]) {
      const reply = await h.call(tenantKey(tenantId), 'GET', `${API}/subscriptions/${id}`);
      expect(reply.status).toBe(200);
      expect(subscriptionViewSchema.parse(reply.body)).toEqual(list.items.find((subscription) => subscription.id === id));
    }
  });

  it('when the admin lists them for the tenant, then they are the ones the tenant sees', async () => {
    const asAdmin = await h.call(ADMIN, 'GET', `${API}/subscriptions?tenant_id=${tenantId}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual((await h.call(tenantKey(tenantId), 'GET', `${API}/subscriptions`)).body);
  });

  // MISSION §4: "Lists are paginated (limit, cursor)": a client pages this list as it pages /invoices.
  it('when the tenant pages its subscriptions one at a time, then it gets them all, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply = await h.call(tenantKey(tenantId), 'GET', `${API}/subscriptions?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      const page = subscriptionPage.parse(reply.body);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((subscription) => subscription.id));
      cursor = page.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([liveId, cancelledId]);
  });
});
