import { UNLIMITED, type Limit, type PlanId } from '@tenantry/contracts';
import type { LineDraft } from './lines';
import { assertNonNegativeInteger, mulDivRoundHalfUp, sumCents } from './money';
import type { Period } from './periods';
import { formatCount } from './wording';

/** Metered calls of one calendar day in the tenant's time zone (the quota is per local day). */
export interface UsageDay {
  /** YYYY-MM-DD, local. */
  date: string;
  calls: number;
}

export interface Overage {
  days: Array<UsageDay & { quota: Limit; overageCalls: number }>;
  overageCalls: number;
  amountCents: number;
}

/**
 * Calls above the daily quota, per day and in total, priced per 1,000 calls and prorated per call. The
 * amount is rounded (half up, to a cent) once on the total, so splitting the same calls over more days
 * never changes the price. Calls over the quota are still counted when the price is null (the usage
 * report shows them), but nothing is owed then, nor under an UNLIMITED quota.
 */
export function overage(days: readonly UsageDay[], quota: Limit, perThousandCallsCents: number | null): Overage {
  if (quota !== UNLIMITED) assertNonNegativeInteger(quota, 'quota');
  if (perThousandCallsCents !== null) assertNonNegativeInteger(perThousandCallsCents, 'perThousandCallsCents');
  const perDay = days.map((day) => {
    assertNonNegativeInteger(day.calls, `calls on ${day.date}`);
    return { ...day, quota, overageCalls: quota === UNLIMITED ? 0 : Math.max(day.calls - quota, 0) };
  });
  const overageCalls = sumCents(perDay.map((day) => day.overageCalls));
  const amountCents = perThousandCallsCents === null ? 0 : mulDivRoundHalfUp(overageCalls, perThousandCallsCents, 1000);
  return { days: perDay, overageCalls, amountCents };
}

/**
 * One 'overage' line (quantity = overage calls, unitAmountCents = the price per 1,000, so quantity × unit
 * is not the amount), or none when the amount is 0.
 */
export function overageLine(input: {
  planId: PlanId;
  period: Period;
  overageCalls: number;
  perThousandCallsCents: number | null;
  amountCents: number;
}): LineDraft[] {
  const { overageCalls, perThousandCallsCents, amountCents } = input;
  assertNonNegativeInteger(amountCents, 'amountCents');
  if (amountCents === 0) return [];
  if (perThousandCallsCents === null)
    throw new RangeError(`${amountCents} cents of overage on ${input.planId}, whose overage is not billed`);
  assertNonNegativeInteger(overageCalls, 'overageCalls');
  const calls = `${formatCount(overageCalls)} ${overageCalls === 1 ? 'call' : 'calls'}`;
  return [
    {
      kind: 'overage',
      description: `API calls over the daily quota (${calls})`,
      quantity: overageCalls,
      unitAmountCents: perThousandCallsCents,
      amountCents,
      period: input.period,
    },
  ];
}
