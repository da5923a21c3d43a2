import { resolvedApiKeySchema, tenantFeaturesResponseSchema, tenantViewSchema, type TenantStatus } from '@tenantry/contracts';
import { deliverInOrder, republished, subscriptionEvents as billing } from '../test-support/subscription-events';
import { ADMIN, GATEWAY, startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';
import { subscriptionChangeOf } from './follow-subscriptions';

describe('the tenant follows its subscription (subscription.* events from billing)', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  /** What the admin, the tenant and the gateway see of the tenant. */
  async function seen(tenantId: string, keyId: string) {
    const view = tenantViewSchema.parse((await h.call(ADMIN, 'GET', `/api/v1/tenants/${tenantId}`)).body);
    const features = tenantFeaturesResponseSchema.parse(
      (await h.call(tenantKey(tenantId), 'GET', `/api/v1/tenants/${tenantId}/features`)).body,
    );
    const resolved = resolvedApiKeySchema.parse((await h.call(GATEWAY, 'GET', `/internal/v1/api-keys/${keyId}`)).body);
    return { view, features, resolved: resolved.tenant };
  }

  async function tenantIn(status: TenantStatus, tier: 'basic' | 'pro' = 'basic') {
    const { tenant, api_key: apiKey } = await h.createTenant({ subscription_tier: tier });
    if (status !== 'trial') {
      const reply = await h.call(ADMIN, 'POST', `/api/v1/tenants/${tenant.id}/status`, { body: { status } });
      if (reply.status !== 200) throw new Error(`could not bring the tenant to ${status}`);
      await h.waitForEvents(tenant.id, 'tenant.status_changed');
    }
    return { tenant_id: tenant.id, key_id: apiKey.id };
  }

  it('when a new tenant has seen no subscription event, then the gateway resolves it at revision 0', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('trial');
    expect((await seen(tenantId, keyId)).resolved).toMatchObject({ subscriptionTier: 'basic', subscriptionRevision: 0, status: 'trial' });
  });

  it('when billing upgrades the subscription, then the tenant view, its features and the key resolution show the new plan and revision', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('active');
    await deliverInOrder(h.platform, [billing.created(tenantId, 1, 'basic', 'active'), billing.upgraded(tenantId, 2, 'basic', 'pro')]);
    const { view, features, resolved } = await seen(tenantId, keyId);
    expect(view).toMatchObject({ subscription_tier: 'pro', status: 'active' });
    expect(features).toMatchObject({ subscription_tier: 'pro', features: { ai_assistant: true }, limits: { api_calls_per_day: 10_000 } });
    expect(resolved).toMatchObject({ subscriptionTier: 'pro', subscriptionRevision: 2 });
  });

  it('when events arrive twice and out of order, then the newest revision wins and older ones change nothing', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('active');
    const upgrade = billing.upgraded(tenantId, 3, 'pro', 'enterprise');
    await deliverInOrder(h.platform, [
      upgrade,
      billing.downgraded(tenantId, 2, 'enterprise', 'pro'), // overtaken by revision 3
      upgrade, // the very same event again
      republished(upgrade), // past the processed-event store (same topic and key: handled after the one above)
      billing.created(tenantId, 1, 'basic', 'active'),
    ]);
    expect((await seen(tenantId, keyId)).resolved).toMatchObject({ subscriptionTier: 'enterprise', subscriptionRevision: 3 });
    await deliverInOrder(h.platform, [billing.downgraded(tenantId, 4, 'enterprise', 'basic')]);
    expect((await seen(tenantId, keyId)).resolved).toMatchObject({ subscriptionTier: 'basic', subscriptionRevision: 4 });
  });

  it('when the billing interval changes, then the plan stays and the revision moves on', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('active', 'pro');
    await deliverInOrder(h.platform, [billing.intervalChanged(tenantId, 5, 'pro', 'annual')]);
    expect((await seen(tenantId, keyId)).resolved).toMatchObject({ subscriptionTier: 'pro', subscriptionRevision: 5 });
  });

  it.each([
    ['subscription.activated', (tenantId: string) => billing.activated(tenantId, 2, 'pro')],
    ['subscription.created (active)', (tenantId: string) => billing.created(tenantId, 1, 'pro', 'active')],
  ])('when %s comes for a trial tenant, then it becomes active, said by tenant.status_changed from the system', async (_case, event) => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('trial');
    await deliverInOrder(h.platform, [event(tenantId)]);
    const { view } = await seen(tenantId, keyId);
    expect(view).toMatchObject({ status: 'active', subscription_tier: 'pro', status_reason: 'subscription activated' });
    const [changed] = await h.waitForEvents(tenantId, 'tenant.status_changed');
    expect(changed?.data).toEqual({
      tenant_id: tenantId,
      from: 'trial',
      to: 'active',
      reason: 'subscription activated',
      changed_by: 'system',
      changed_at: expect.any(String),
      revision: 2,
    });
  });

  it('when a subscription is created on a trial, then the tenant stays in trial', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('trial');
    await deliverInOrder(h.platform, [billing.created(tenantId, 1, 'basic', 'trialing')]);
    expect((await seen(tenantId, keyId)).view).toMatchObject({ status: 'trial' });
    expect(h.eventsOf(tenantId, 'tenant.status_changed')).toHaveLength(0);
  });

  it('when the activation is overtaken by a later upgrade, then the tenant still ends up active on the later plan', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('trial');
    await deliverInOrder(h.platform, [billing.upgraded(tenantId, 3, 'basic', 'pro'), billing.activated(tenantId, 2, 'basic')]);
    expect((await seen(tenantId, keyId)).resolved).toMatchObject({ status: 'active', subscriptionTier: 'pro', subscriptionRevision: 3 });
  });

  it('when a suspended tenant’s subscription is activated, then it stays suspended (the admin decides that) and its tier follows', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('suspended');
    const before = h.eventsOf(tenantId, 'tenant.status_changed').length;
    await deliverInOrder(h.platform, [billing.activated(tenantId, 2, 'pro')]);
    expect((await seen(tenantId, keyId)).view).toMatchObject({ status: 'suspended', subscription_tier: 'pro' });
    expect(h.eventsOf(tenantId, 'tenant.status_changed')).toHaveLength(before);
  });

  it('when the subscription is cancelled, then the tenant is cancelled by the system and its keys are revoked; a redelivery changes nothing', async () => {
    const { tenant_id: tenantId, key_id: keyId } = await tenantIn('active', 'pro');
    const before = h.eventsOf(tenantId, 'tenant.status_changed').length;
    const cancelled = billing.cancelled(tenantId, 4, 'pro');
    await deliverInOrder(h.platform, [cancelled]);

    const { view, resolved } = await seen(tenantId, keyId);
    expect(view).toMatchObject({ status: 'cancelled', status_reason: 'subscription cancelled' });
    expect(resolved).toMatchObject({ status: 'cancelled', subscriptionRevision: 4 });
    const changes = await h.waitForEvents(tenantId, 'tenant.status_changed', before + 1);
    expect(changes.at(-1)?.data).toMatchObject({ from: 'active', to: 'cancelled', reason: 'subscription cancelled', changed_by: 'system' });
    const [revoked] = await h.waitForEvents(tenantId, 'tenant.api_key_revoked');
    expect(revoked?.data).toMatchObject({ key_id: keyId, reason: 'tenant_cancelled' });

    await deliverInOrder(h.platform, [republished(cancelled), billing.activated(tenantId, 2, 'pro')]);
    expect((await seen(tenantId, keyId)).view).toMatchObject({ status: 'cancelled' });
    expect(h.eventsOf(tenantId, 'tenant.status_changed')).toHaveLength(before + 1);
  });

  it('when an event names a tenant that does not exist, then it is acknowledged and nothing is created', async () => {
    await deliverInOrder(h.platform, [billing.upgraded('ten_doesnotexist0000', 1, 'basic', 'pro')]);
    expect((await h.call(ADMIN, 'GET', '/api/v1/tenants/ten_doesnotexist0000')).status).toBe(404);
  });
});

describe('subscriptionChangeOf: the plan each subscription event puts in force', () => {
  it.each([
    ['created', billing.created('ten_x', 1, 'pro', 'trialing'), { planId: 'pro' }],
    ['created active', billing.created('ten_x', 1, 'pro', 'active'), { planId: 'pro', lifecycle: 'activated' }],
    ['activated', billing.activated('ten_x', 2, 'basic'), { planId: 'basic', lifecycle: 'activated' }],
    ['upgraded', billing.upgraded('ten_x', 3, 'basic', 'enterprise'), { planId: 'enterprise' }],
    ['downgraded', billing.downgraded('ten_x', 4, 'enterprise', 'pro'), { planId: 'pro' }],
    ['interval_changed', billing.intervalChanged('ten_x', 5, 'pro', 'annual'), { planId: 'pro' }],
    ['cancelled', billing.cancelled('ten_x', 6, 'pro'), { planId: 'pro', lifecycle: 'cancelled' }],
  ])('%s', (_type, event, expected) => {
    expect(subscriptionChangeOf(event)).toEqual({ tenantId: 'ten_x', revision: event.data.revision, ...expected });
  });
});
