import { localDate, planOf, type PlanId, type UsageReport } from '@tenantry/contracts';
import { currentSubscription, type Account } from '../accounts/account.collection';
import { overage, overageLine, type Pricing } from '../domain';
import type { UsageLedger } from '../metering';
import type { OverageLines } from '../subscriptions/lifecycle';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar date before `date` (both `YYYY-MM-DD`). */
export function previousDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** Every date from `from` to `to`, inclusive. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += DAY_MS)
    dates.push(new Date(at).toISOString().slice(0, 10));
  return dates;
}

/**
 * The local dates a billing period bills usage for: from its start date up to the day before its end
 * date, so that each day belongs to exactly one period even when periods start mid-day.
 */
export function billedDates(period: { start: Date; end: Date }, timezone: string): { from: string; to: string } | null {
  const from = localDate(period.start, timezone);
  const to = previousDate(localDate(period.end, timezone));
  return from <= to ? { from, to } : null;
}

/** Overage lines for a period, from metered usage on the plan's daily quota and overage price. */
export function overageLinesFrom(ledger: UsageLedger, pricing: Pricing): (tenantId: string, timezone: string) => OverageLines {
  return (tenantId, timezone) => async (subscription, period) => {
    const dates = billedDates(period, timezone);
    if (!dates) return [];
    const price = pricing.overagePerThousandCallsCents(subscription.planId);
    if (price === null) return [];
    const days = await ledger.days(tenantId, dates.from, dates.to);
    const owed = overage(days, planOf(subscription.planId).limits.apiCallsPerDay, price);
    return overageLine({
      planId: subscription.planId,
      period,
      overageCalls: owed.overageCalls,
      perThousandCallsCents: price,
      amountCents: owed.amountCents,
    });
  };
}

/**
 * `POST /usage-report`: calls per local day against the plan's daily quota, with the overage they would
 * cost. The default range is the current billing period up to today.
 */
export async function usageReport(
  ledger: UsageLedger,
  pricing: Pricing,
  account: Account,
  range: { from?: string | undefined; to?: string | undefined },
  now: Date,
): Promise<UsageReport> {
  const { timezone } = account.tenant;
  const live = currentSubscription(account);
  const planId: PlanId = live?.planId ?? account.subscriptions.at(-1)?.planId ?? 'basic';
  const from = range.from ?? localDate(live?.periodStart ?? new Date(now.getTime() - 30 * DAY_MS), timezone);
  const to = range.to ?? localDate(now, timezone);
  const plan = planOf(planId);
  const price = pricing.overagePerThousandCallsCents(planId);
  const metered = new Map((await ledger.days(account.tenantId, from, to)).map((day) => [day.date, day.calls]));
  const owed = overage(
    datesBetween(from, to).map((date) => ({ date, calls: metered.get(date) ?? 0 })),
    plan.limits.apiCallsPerDay,
    price,
  );
  return {
    tenant_id: account.tenantId,
    plan_id: planId,
    timezone,
    from,
    to,
    days: owed.days.map((day) => ({ date: day.date, calls: day.calls, quota: day.quota, overage_calls: day.overageCalls })),
    totals: { calls: owed.days.reduce((sum, day) => sum + day.calls, 0), overage_calls: owed.overageCalls },
    users: { used: null, limit: plan.limits.users },
    storage: { used_bytes: null, limit_bytes: plan.limits.storageBytes },
    overage: { calls: owed.overageCalls, per_thousand_calls_cents: price, amount_cents: owed.amountCents },
  };
}
