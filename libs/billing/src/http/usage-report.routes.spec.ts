import { usageReportSchema } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import { ADMIN, startBillingHarness, tenantKey, type BillingHarness } from '../test-support/billing-harness';
import { paidTenant, trialTenant } from './test-support/route-calls';

const API = '/api/v1/monetization';
const GB = 1024 ** 3;

/**
 * `POST /usage-report`: metered calls per local day against the plan's daily quota, and what the calls
 * over it cost. Usage is metered from the gateway's `metric.recorded` batches; the tests wait until the
 * ledger has counted them.
 */
describe('POST /usage-report', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  /** Meters `calls` at each instant and waits until the ledger holds all of them. */
  async function meterAndWait(tenantId: string, batches: Array<[string, number]>, range: { from: string; to: string }): Promise<void> {
    const counted = (await h.billing.ledger.days(tenantId, range.from, range.to)).reduce((sum, day) => sum + day.calls, 0);
    for (const [at, calls] of batches) await h.meter(tenantId, new Date(at), calls);
    const expected = counted + batches.reduce((sum, [, calls]) => sum + calls, 0);
    await eventually(
      async () => (await h.billing.ledger.days(tenantId, range.from, range.to)).reduce((sum, day) => sum + day.calls, 0) === expected,
      {
        description: `${expected} metered calls of ${tenantId}`,
      },
    );
  }

  const report = async (identity: Parameters<BillingHarness['call']>[0], body: Record<string, unknown>, query = '') => {
    const reply = await h.call(identity, 'POST', `${API}/usage-report${query}`, body);
    expect(reply.status).toBe(200);
    return usageReportSchema.parse(reply.body);
  };

  describe('a basic tenant in UTC that went over its quota on some days', () => {
    let tenantId: string;
    beforeAll(async () => {
      h.clock.set('2025-03-01T10:00:00Z');
      ({ tenantId } = await paidTenant(h, { planId: 'basic' }));
      await meterAndWait(
        tenantId,
        [
          ['2025-03-01T12:00:00Z', 400],
          ['2025-03-02T08:00:00Z', 1_000],
          ['2025-03-02T20:00:00Z', 250],
          ['2025-03-04T00:00:00Z', 2_000],
          ['2025-03-04T23:59:50Z', 100],
        ],
        { from: '2025-03-01', to: '2025-03-04' },
      );
      h.clock.set('2025-03-04T18:00:00Z');
    });

    it('when the tenant asks without a range, then it covers the current billing period up to today, one entry per day, idle days at 0', async () => {
      const usage = await report(tenantKey(tenantId), {});
      expect(usage).toMatchObject({ tenant_id: tenantId, plan_id: 'basic', timezone: 'UTC', from: '2025-03-01', to: '2025-03-04' });
      expect(usage.days).toEqual([
        { date: '2025-03-01', calls: 400, quota: 1_000, overage_calls: 0 },
        { date: '2025-03-02', calls: 1_250, quota: 1_000, overage_calls: 250 },
        { date: '2025-03-03', calls: 0, quota: 1_000, overage_calls: 0 },
        { date: '2025-03-04', calls: 2_100, quota: 1_000, overage_calls: 1_100 },
      ]);
    });

    it('when the report is read, then the overage is priced at 500 cents per 1,000 calls: 1,350 calls cost 675 cents', async () => {
      const usage = await report(tenantKey(tenantId), {});
      expect(usage.totals).toEqual({ calls: 3_750, overage_calls: 1_350 });
      expect(usage.overage).toEqual({ calls: 1_350, per_thousand_calls_cents: 500, amount_cents: 675 });
    });

    it('when the report is read, then users and storage show the plan limits with nothing measured yet', async () => {
      const usage = await report(tenantKey(tenantId), {});
      expect(usage.users).toEqual({ used: null, limit: 5 });
      expect(usage.storage).toEqual({ used_bytes: null, limit_bytes: 1 * GB });
    });

    it('when a range is given, then only its days are reported and priced (250 calls over: 125 cents)', async () => {
      const usage = await report(tenantKey(tenantId), { from: '2025-03-02', to: '2025-03-03' });
      expect(usage).toMatchObject({
        from: '2025-03-02',
        to: '2025-03-03',
        totals: { calls: 1_250, overage_calls: 250 },
        overage: { calls: 250, amount_cents: 125 },
      });
      expect(usage.days.map((day) => day.date)).toEqual(['2025-03-02', '2025-03-03']);
    });

    it('when the range reaches past today, then the days ahead are there at 0', async () => {
      const usage = await report(tenantKey(tenantId), { from: '2025-03-04', to: '2025-03-06' });
      expect(usage.days.map((day) => [day.date, day.calls])).toEqual([
        ['2025-03-04', 2_100],
        ['2025-03-05', 0],
        ['2025-03-06', 0],
      ]);
    });

    it('when the admin asks for the tenant, then the report is the one the tenant sees', async () => {
      expect(await report(ADMIN, {}, `?tenant_id=${tenantId}`)).toEqual(await report(tenantKey(tenantId), {}));
    });

    it('when the tenant names itself, then the report is the same as without', async () => {
      expect(await report(tenantKey(tenantId), {}, `?tenant_id=${tenantId}`)).toEqual(await report(tenantKey(tenantId), {}));
    });
  });

  it('when an enterprise tenant makes many calls, then its quota is unlimited and nothing is owed', async () => {
    h.clock.set('2025-03-01T10:00:00Z');
    const { tenantId } = await paidTenant(h, { planId: 'enterprise' });
    await meterAndWait(tenantId, [['2025-03-01T11:00:00Z', 250_000]], { from: '2025-03-01', to: '2025-03-01' });
    h.clock.set('2025-03-01T23:00:00Z');
    const usage = await report(tenantKey(tenantId), {});
    expect(usage.days).toEqual([{ date: '2025-03-01', calls: 250_000, quota: 'unlimited', overage_calls: 0 }]);
    expect(usage.overage).toEqual({ calls: 0, per_thousand_calls_cents: null, amount_cents: 0 });
    expect(usage.users).toEqual({ used: null, limit: 'unlimited' });
  });

  it('when a tenant is still on its trial, then the default range starts with the trial', async () => {
    h.clock.set('2025-03-05T09:00:00Z');
    const tenantId = await trialTenant(h);
    h.clock.set('2025-03-07T09:00:00Z');
    const usage = await report(tenantKey(tenantId), {});
    expect(usage).toMatchObject({ plan_id: 'basic', from: '2025-03-05', to: '2025-03-07', totals: { calls: 0, overage_calls: 0 } });
    expect(usage.days.map((day) => day.date)).toEqual(['2025-03-05', '2025-03-06', '2025-03-07']);
  });

  describe('a tenant in Europe/Ljubljana', () => {
    let tenantId: string;
    beforeAll(async () => {
      h.clock.set('2025-03-01T10:00:00Z');
      ({ tenantId } = await paidTenant(h, { planId: 'basic', timezone: 'Europe/Ljubljana' }));
    });

    it('when a batch comes at 23:30 UTC, then it counts on the next local day (00:30 in Ljubljana)', async () => {
      await meterAndWait(tenantId, [['2025-03-10T23:30:00Z', 1_200]], { from: '2025-03-10', to: '2025-03-11' });
      h.clock.set('2025-03-12T12:00:00Z');
      const usage = await report(tenantKey(tenantId), { from: '2025-03-10', to: '2025-03-11' });
      expect(usage).toMatchObject({ timezone: 'Europe/Ljubljana', overage: { calls: 200, amount_cents: 100 } });
      expect(usage.days).toEqual([
        { date: '2025-03-10', calls: 0, quota: 1_000, overage_calls: 0 },
        { date: '2025-03-11', calls: 1_200, quota: 1_000, overage_calls: 200 },
      ]);
    });

    it('when it is already tomorrow in Ljubljana but not in UTC, then the default range ends on the local today', async () => {
      // 22:30 UTC on 31 March is 00:30 on 1 April in Ljubljana (summer time since 30 March); the period runs to 1 April 10:00 UTC.
      h.clock.set('2025-03-31T22:30:00Z');
      const usage = await report(tenantKey(tenantId), {});
      expect(usage).toMatchObject({ from: '2025-03-01', to: '2025-04-01' });
      expect(usage.days).toHaveLength(32);
    });
  });
});
