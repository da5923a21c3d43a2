import type { TenantUsageDays } from '@tenantry/contracts';
import type { Tenant } from '../tenants/tenant.collection';
import { lastDayOf, usageReport, type UsageDaysSource } from './usage-report';

function tenantIn(timezone: string): Tenant {
  const at = new Date('2030-01-01T00:00:00Z');
  return {
    id: 'ten_report',
    tenantId: 'ten_report',
    version: 1,
    createdAt: at,
    updatedAt: at,
    name: 'Report',
    status: 'active',
    subscriptionTier: 'pro',
    subscriptionRevision: 2,
    timezone,
    metadata: {},
  };
}

/** Billing's usage-days answer for fixed days, remembering what it was asked. */
function meteredDays(days: TenantUsageDays['days']): UsageDaysSource & { asked: Array<{ from: string; to: string }> } {
  const asked: Array<{ from: string; to: string }> = [];
  return {
    asked,
    usageDays: async (tenantId, range) => {
      asked.push(range);
      return { tenantId, days };
    },
  };
}

describe('usageReport: today and this month in the tenant’s time zone', () => {
  it('when it is already the 1st locally but still the 31st in UTC, then the local month is asked for and today is the 1st', async () => {
    const billing = meteredDays([
      { date: '2030-03-31', calls: 500 }, // not this month (were billing to send it anyway)
      { date: '2030-04-01', calls: 7 },
    ]);
    const report = await usageReport(billing, tenantIn('Europe/Ljubljana'), new Date('2030-03-31T22:30:00Z'));
    expect(billing.asked).toEqual([{ from: '2030-04-01', to: '2030-04-30' }]);
    expect(report.period).toEqual({ day: '2030-04-01', month: '2030-04', timezone: 'Europe/Ljubljana' });
    expect(report.api_calls).toEqual({ today: { used: 7, limit: 10_000, remaining: 9_993 }, month: { used: 7 } });
  });

  it('when today has no calls yet, then today is 0 and the month still sums the earlier days', async () => {
    const billing = meteredDays([
      { date: '2030-05-02', calls: 40 },
      { date: '2030-05-09', calls: 2 },
    ]);
    const report = await usageReport(billing, tenantIn('UTC'), new Date('2030-05-10T12:00:00Z'));
    expect(report.api_calls).toEqual({ today: { used: 0, limit: 10_000, remaining: 10_000 }, month: { used: 42 } });
  });

  it.each([
    ['2028-02', '2028-02-29'],
    ['2030-02', '2030-02-28'],
    ['2030-04', '2030-04-30'],
    ['2030-12', '2030-12-31'],
  ])('the last day of %s is %s', (month, last) => {
    expect(lastDayOf(month)).toBe(last);
  });
});
