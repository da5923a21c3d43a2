import { planOf, UNLIMITED, type TenantUsageResponse } from '@tenantry/contracts';
import type { Tenant } from '../tenants/tenant.collection';
import { localDate } from './local-date';
import { usageMonthId, type UsageMonthRepository } from './usage.collection';

/**
 * The tenant's usage against its plan's limits, today and this month in its own time zone. Users and
 * storage are not tracked yet: their `used` is null, never an invented number.
 */
export async function usageReport(usage: UsageMonthRepository, tenant: Tenant, now: Date): Promise<TenantUsageResponse> {
  const plan = planOf(tenant.subscriptionTier);
  const day = localDate(now, tenant.timezone);
  const month = day.slice(0, 7);
  const counters = await usage.findById(tenant.id, usageMonthId(tenant.id, month));
  const days = counters?.days ?? {};
  const today = days[day.slice(8)] ?? 0;
  const monthTotal = Object.values(days).reduce((sum, calls) => sum + calls, 0);
  const limit = plan.limits.apiCallsPerDay;
  return {
    tenantId: tenant.id,
    tier: plan.id,
    period: { day, month, timezone: tenant.timezone },
    apiCalls: {
      today: { used: today, limit, remaining: limit === UNLIMITED ? UNLIMITED : Math.max(0, limit - today) },
      month: { used: monthTotal },
    },
    users: { used: null, limit: plan.limits.users },
    storageBytes: { used: null, limit: plan.limits.storageBytes },
  };
}
