import { localDate, planOf, UNLIMITED, type TenantUsageDays, type TenantUsageResponse } from '@tenantry/contracts';
import type { Tenant } from '../tenants/tenant.collection';

/** Where the metered calls come from: billing, which owns metering (see billing/billing-client.ts). */
export interface UsageDaysSource {
  usageDays(tenantId: string, range: { from: string; to: string }): Promise<TenantUsageDays>;
}

/**
 * The tenant's usage against its plan's limits, today and this month in its own time zone, from
 * billing's per-day counters (one call for the whole local month). Users and storage are not tracked
 * yet: their `used` is null, never an invented number.
 */
export async function usageReport(billing: UsageDaysSource, tenant: Tenant, now: Date): Promise<TenantUsageResponse> {
  const plan = planOf(tenant.subscriptionTier);
  const day = localDate(now, tenant.timezone);
  const month = day.slice(0, 7);
  const metered = await billing.usageDays(tenant.id, { from: `${month}-01`, to: lastDayOf(month) });
  const thisMonth = metered.days.filter((entry) => entry.date.startsWith(month));
  const today = thisMonth.find((entry) => entry.date === day)?.calls ?? 0;
  const monthTotal = thisMonth.reduce((sum, entry) => sum + entry.calls, 0);
  const limit = plan.limits.apiCallsPerDay;
  return {
    tenant_id: tenant.id,
    subscription_tier: plan.id,
    period: { day, month, timezone: tenant.timezone },
    api_calls: {
      today: { used: today, limit, remaining: limit === UNLIMITED ? UNLIMITED : Math.max(0, limit - today) },
      month: { used: monthTotal },
    },
    users: { used: null, limit: plan.limits.users },
    storage_bytes: { used: null, limit: plan.limits.storageBytes },
  };
}

/** `YYYY-MM-DD` of the last day of a `YYYY-MM` month. */
export function lastDayOf(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  // Day 0 of the next month is the last day of this one (Date.UTC takes a 0-based month).
  const days = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  return `${month}-${String(days).padStart(2, '0')}`;
}
