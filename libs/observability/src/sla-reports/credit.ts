import type { CreditTier } from '../slo-definitions/definitions';

/** The credit in percent of the month's fee: the highest tier whose bound the achieved availability is below. */
export function creditPercent(schedule: readonly CreditTier[], objective: number, achieved: number): number {
  let percent = 0;
  for (const tier of schedule) {
    const bound = tier.below === 'objective' ? objective : tier.below;
    if (achieved < bound) percent = Math.max(percent, tier.percent);
  }
  return percent;
}
