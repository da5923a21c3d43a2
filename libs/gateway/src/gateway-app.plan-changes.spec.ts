import { createEvent, type PlanId, type TenantryEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { eventually } from '@tenantry/testing';
import { callGateway, planChanged, startTestGateway, StubServices, type TestGateway } from './test-support/gateway-harness';

/**
 * Plan changes reach the gateway through subscription events, before the tenants service (which the
 * stub plays, and which keeps answering the old plan here) has applied them.
 */
describe('gateway pipeline: plan changes from subscription events', () => {
  let stub: StubServices;
  let gateway: TestGateway;

  beforeAll(async () => {
    stub = new StubServices();
    gateway = await startTestGateway(await stub.start());
  });
  afterAll(async () => {
    await gateway.close();
    await stub.close();
  });

  const get = (path: string, key: string) => callGateway(gateway.url, path, key);
  const minuteQuota = async (tenantId: string, key: string) =>
    /"minute";q=(\d+)/.exec((await get(`/api/v1/tenants/${tenantId}?q=${Math.random()}`, key)).headers.get('ratelimit-policy') ?? '')?.[1];

  /** Publishes on the gateway's bus and waits until the gateway applied the plan. */
  async function publishAndAwaitPlan(event: TenantryEvent, tenantId: string, planId: PlanId): Promise<void> {
    await gateway.bus.publish([event]);
    await eventually(() => gateway.plans.inForce(tenantId, { planId: 'basic', revision: 0 }).planId === planId, {
      timeoutMs: 1_000,
      description: `${tenantId} on ${planId}`,
    });
  }

  it('when an upgrade to pro arrives while the tenants service still answers basic, then pro limits, features and identity apply at once', async () => {
    const key = stub.addTenant('ten_upgraded', 'basic');
    expect(await minuteQuota('ten_upgraded', key)).toBe('10');
    expect((await get('/api/v1/ai-assistant/tasks', key)).status).toBe(403);

    await gateway.bus.publish([planChanged('subscription.upgraded', 'ten_upgraded', { from: 'basic', to: 'pro', revision: 2 })]);

    await eventually(async () => (await get('/api/v1/ai-assistant/tasks', key)).status === 200, {
      timeoutMs: 1_000,
      description: 'the AI assistant to open',
    });
    expect(await minuteQuota('ten_upgraded', key)).toBe('100');
    expect(stub.identitiesOf('ten_upgraded').at(-1)?.planId).toBe('pro');
    expect(stub.tenants.get('ten_upgraded')).toMatchObject({ tier: 'basic', revision: 1 }); // the resolver still says basic
  });

  it('when an older downgrade arrives after the upgrade, then nothing changes', async () => {
    const key = stub.addTenant('ten_late_downgrade', 'basic');
    await publishAndAwaitPlan(
      planChanged('subscription.upgraded', 'ten_late_downgrade', { from: 'basic', to: 'pro', revision: 2 }),
      'ten_late_downgrade',
      'pro',
    );
    await get('/api/v1/tenants/ten_late_downgrade', key);
    expect((await get('/api/v1/tenants/ten_late_downgrade', key)).headers.get('x-cache-status')).toBe('HIT');

    const recorded = jest.spyOn(gateway.plans, 'record');
    await gateway.bus.publish([planChanged('subscription.downgraded', 'ten_late_downgrade', { from: 'pro', to: 'basic', revision: 1 })]);
    await eventually(() => recorded.mock.calls.some(([tenantId]) => tenantId === 'ten_late_downgrade'), {
      timeoutMs: 1_000,
      description: 'the late downgrade to be handled',
    });
    recorded.mockRestore();

    expect((await get('/api/v1/ai-assistant/tasks', key)).status).toBe(200);
    expect(await minuteQuota('ten_late_downgrade', key)).toBe('100');
    // Not even the cached responses were purged: the late event changed nothing.
    expect((await get('/api/v1/tenants/ten_late_downgrade', key)).headers.get('x-cache-status')).toBe('HIT');
  });

  it('when the tenants service already applied a newer change than a late event, then the newer plan stays', async () => {
    const key = stub.addTenant('ten_resolver_ahead', 'enterprise');
    stub.tenants.set('ten_resolver_ahead', { status: 'active', tier: 'enterprise', revision: 3 });
    await publishAndAwaitPlan(
      planChanged('subscription.downgraded', 'ten_resolver_ahead', { from: 'enterprise', to: 'basic', revision: 2 }),
      'ten_resolver_ahead',
      'basic',
    );

    expect(await minuteQuota('ten_resolver_ahead', key)).toBeUndefined(); // enterprise: unlimited, no minute policy
    expect((await get('/api/v1/ai-assistant/tasks', key)).status).toBe(200);
    expect(stub.identitiesOf('ten_resolver_ahead').at(-1)?.planId).toBe('enterprise');
  });

  it.each(['subscription.activated', 'subscription.interval_changed'] as const)(
    'when %s arrives, then the tenant is re-resolved and its cached responses are purged',
    async (type) => {
      const tenantId = `ten_${type.split('.')[1]}`;
      const key = stub.addTenant(tenantId, 'pro');
      await get(`/api/v1/tenants/${tenantId}`, key);
      expect((await get(`/api/v1/tenants/${tenantId}`, key)).headers.get('x-cache-status')).toBe('HIT');

      const event = createEvent(type, {
        tenantId,
        source: '/tenantry/billing',
        data: { ...EXAMPLE_EVENT_DATA[type], tenant_id: tenantId, plan_id: 'pro', revision: 2 },
      });
      await publishAndAwaitPlan(event, tenantId, 'pro');

      expect((await get(`/api/v1/tenants/${tenantId}`, key)).headers.get('x-cache-status')).toBe('MISS');
    },
  );
});
