import { localDate, tenantUsageResponseSchema } from '@tenantry/contracts';
import { startTenantsHarness, tenantKey, type TenantsHarness } from '../test-support/tenants-harness';
import { lastDayOf } from './usage-report';

describe('GET /api/v1/tenants/:tenantId/usage (from billing’s metering)', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.billing.answerUsageWith('default'));

  const usageOf = async (tenantId: string) => {
    const reply = await h.call(tenantKey(tenantId), 'GET', `/api/v1/tenants/${tenantId}/usage`);
    expect(reply.status).toBe(200);
    return tenantUsageResponseSchema.parse(reply.body);
  };

  it('when nothing was metered, then usage is zero against the plan limits and untracked quantities are null', async () => {
    const { tenant } = await h.createTenant({ timezone: 'Asia/Kolkata' });
    const today = localDate(new Date(), 'Asia/Kolkata');
    expect(await usageOf(tenant.id)).toEqual({
      tenant_id: tenant.id,
      subscription_tier: 'basic',
      period: { day: today, month: today.slice(0, 7), timezone: 'Asia/Kolkata' },
      api_calls: { today: { used: 0, limit: 1000, remaining: 1000 }, month: { used: 0 } },
      users: { used: null, limit: 5 },
      storage_bytes: { used: null, limit: 1024 ** 3 },
    });
  });

  it("when billing has metered days, then today is today's count and the month is the sum of this local month's days", async () => {
    const { tenant } = await h.createTenant({ timezone: 'Pacific/Auckland' });
    const today = localDate(new Date(), 'Pacific/Auckland');
    const month = today.slice(0, 7);
    const earlierDay = today.endsWith('-01') ? null : `${month}-01`;
    h.billing.meter(tenant.id, [...(earlierDay ? [{ date: earlierDay, calls: 300 }] : []), { date: today, calls: 45 }]);
    const usage = await usageOf(tenant.id);
    expect(usage.period).toEqual({ day: today, month, timezone: 'Pacific/Auckland' });
    expect(usage.api_calls).toEqual({ today: { used: 45, limit: 1000, remaining: 955 }, month: { used: earlierDay ? 345 : 45 } });
  });

  it("when asking billing, then it asks for the tenant's whole local month, signed as the tenants service", async () => {
    const { tenant } = await h.createTenant({ timezone: 'America/Los_Angeles' });
    await usageOf(tenant.id);
    const month = localDate(new Date(), 'America/Los_Angeles').slice(0, 7);
    expect(h.billing.requests.filter((request) => request.tenantId === tenant.id)).toEqual([
      expect.objectContaining({
        method: 'GET',
        query: { from: `${month}-01`, to: lastDayOf(month) },
        identity: { role: 'service', service: 'tenants' },
      }),
    ]);
  });

  it('when the daily quota is used up and more, then remaining is 0, never negative', async () => {
    const { tenant } = await h.createTenant();
    h.billing.meter(tenant.id, [{ date: localDate(new Date(), 'UTC'), calls: 1_250 }]);
    expect((await usageOf(tenant.id)).api_calls.today).toEqual({ used: 1_250, limit: 1000, remaining: 0 });
  });

  it('when an enterprise tenant is metered, then its daily limit and remaining are "unlimited"', async () => {
    const { tenant } = await h.createTenant({ subscription_tier: 'enterprise' });
    h.billing.meter(tenant.id, [{ date: localDate(new Date(), 'UTC'), calls: 3 }]);
    expect(await usageOf(tenant.id)).toMatchObject({
      api_calls: { today: { used: 3, limit: 'unlimited', remaining: 'unlimited' } },
      users: { used: null, limit: 'unlimited' },
    });
  });

  it.each([
    [
      'an error',
      {
        status: 500,
        body: { type: 'https://tenantry.dev/problems/internal-error', title: 'Internal server error', status: 500, detail: 'x' },
      },
    ],
    ['a body outside its contract', { status: 200, body: { tenant_id: 'ten_x', days: [{ date: 'yesterday', calls: -1 }] } }],
  ])('when billing answers %s, then 503 problem', async (_case, answer) => {
    const { tenant } = await h.createTenant();
    h.billing.answerUsageWith(answer);
    const reply = await h.call(tenantKey(tenant.id), 'GET', `/api/v1/tenants/${tenant.id}/usage`);
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({
      type: 'https://tenantry.dev/problems/service-unavailable',
      detail: expect.stringContaining('meters API calls'),
    });
  });
});

describe('GET /usage when billing cannot be reached', () => {
  let h: TenantsHarness;
  beforeAll(async () => {
    h = await startTenantsHarness({ billingUrl: 'http://127.0.0.1:1' });
  });
  afterAll(() => h.close());

  it('when billing is down, then 503 problem, not 500 and not zeros', async () => {
    const { tenant } = await h.createTenant();
    const reply = await h.call(tenantKey(tenant.id), 'GET', `/api/v1/tenants/${tenant.id}/usage`);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  });
});
