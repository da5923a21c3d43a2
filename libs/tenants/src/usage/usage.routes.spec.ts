import { tenantUsageResponseSchema } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { metricBatch, sample } from '../test-support/metric-batches';
import { startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';
import { localDate } from './local-date';

describe('GET /api/v1/tenants/:tenantId/usage', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());

  const usageOf = async (tenantId: string) => {
    const reply = await h.call(tenantKey(tenantId), 'GET', `/api/v1/tenants/${tenantId}/usage`);
    expect(reply.status).toBe(200);
    return tenantUsageResponseSchema.parse(reply.body);
  };

  it('when nothing was metered, then usage is zero against the plan limits and untracked quantities are null', async () => {
    const { tenant } = await h.createTenant({ timezone: 'Asia/Kolkata' });
    const today = localDate(new Date(), 'Asia/Kolkata');
    expect(await usageOf(tenant.id)).toEqual({
      tenantId: tenant.id,
      tier: 'basic',
      period: { day: today, month: today.slice(0, 7), timezone: 'Asia/Kolkata' },
      apiCalls: { today: { used: 0, limit: 1000, remaining: 1000 }, month: { used: 0 } },
      users: { used: null, limit: 5 },
      storageBytes: { used: null, limit: 1024 ** 3 },
    });
  });

  it("when the gateway's metric batches arrive (one of them twice), then today's calls count each batch once", async () => {
    const { tenant } = await h.createTenant({ timezone: 'Europe/Ljubljana' });
    const first = metricBatch(tenant.id, new Date(), [sample(30), sample(12, 2)]);
    await h.platform.bus.publish([first]);
    await h.platform.bus.publish([first, metricBatch(tenant.id, new Date(), [sample(5)])]);
    const usage = await eventually(
      async () => {
        const current = await usageOf(tenant.id);
        return current.apiCalls.today.used >= 45 ? current : false;
      },
      { description: 'the metered calls to show up' },
    );
    expect(usage.apiCalls).toEqual({ today: { used: 45, limit: 1000, remaining: 955 }, month: { used: 45 } });
  });

  it('when an enterprise tenant is metered, then its daily limit and remaining are "unlimited"', async () => {
    const { tenant } = await h.createTenant({ subscriptionTier: 'enterprise' });
    await h.platform.bus.publish([metricBatch(tenant.id, new Date(), [sample(3)])]);
    const usage = await eventually(async () => {
      const current = await usageOf(tenant.id);
      return current.apiCalls.today.used === 3 ? current : false;
    });
    expect(usage).toMatchObject({ apiCalls: { today: { used: 3, limit: 'unlimited', remaining: 'unlimited' } }, users: { used: null, limit: 'unlimited' } });
  });
});
