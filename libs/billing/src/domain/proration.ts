import { mulDivRoundHalfUp } from './money';
import { periodSeconds, secondsBetween, type Period } from './periods';

/**
 * The share of `amountCents` for what is left of `period` from `at`, to the second (MISSION §4: changes
 * are prorated to the second): amountCents × (whole seconds left) ÷ (seconds in the period), rounded half
 * up to a whole cent, in integer arithmetic. `at` is truncated to the second. 0 when at ≥ end;
 * amountCents when at ≤ start.
 */
export function prorate(amountCents: number, period: Period, at: Date): number {
  const total = periodSeconds(period);
  if (total <= 0) throw new RangeError(`the period ${period.start.toISOString()} – ${period.end.toISOString()} is empty`);
  const left = Math.min(Math.max(secondsBetween(at, period.end), 0), total);
  return mulDivRoundHalfUp(amountCents, left, total);
}
