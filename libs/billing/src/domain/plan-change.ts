import { planOf, type ChangeKind } from '@tenantry/contracts';
import { singleUnitLine, type ChangeTiming, type LineDraft } from './lines';
import { addIntervals, intervalMonths, periodIncludes, truncateToSecond, type Period } from './periods';
import { describeTerm, type PlanTerm, type Pricing } from './pricing';
import { prorate } from './proration';
import { formatDateTime, formatPeriod } from './wording';

/**
 * Plan changes: what kind a change is, when it may take effect, and the money an immediate one moves.
 * Kind is decided by plan rank only, never by price per day (MISSION §4), so a cheaper period on a higher
 * plan (basic annual → pro monthly) is still an upgrade and annual → monthly on one plan is neither.
 */

/** Higher rank = upgrade, lower = downgrade, same rank on another interval = interval_change, identical = 'none'. */
export function classifyChange(from: PlanTerm, to: PlanTerm): ChangeKind | 'none' {
  const fromRank = planOf(from.planId).rank;
  const toRank = planOf(to.planId).rank;
  if (toRank > fromRank) return 'upgrade';
  if (toRank < fromRank) return 'downgrade';
  return from.interval === to.interval ? 'none' : 'interval_change';
}

function assertKind(kind: ChangeKind, from: PlanTerm, to: PlanTerm): void {
  const actual = classifyChange(from, to);
  if (actual !== kind) {
    throw new RangeError(`${describeTerm(from)} → ${describeTerm(to)} is classified as ${actual}, not ${kind}`);
  }
}

const lengthensInterval = (from: PlanTerm, to: PlanTerm): boolean => intervalMonths(to.interval) > intervalMonths(from.interval);

const IMMEDIATE_ONLY: readonly ChangeTiming[] = Object.freeze(['immediate']);
const EITHER: readonly ChangeTiming[] = Object.freeze(['immediate', 'period_end']);

/**
 * Timings a change may use. An upgrade applies at once (the tenant wants the higher limits now); so does a
 * move to a longer interval, which starts a new, longer period (nothing to wait for). A downgrade, or a
 * move to a shorter interval on the same plan, may also wait for the end of the paid period.
 */
export function allowedTimings(kind: ChangeKind, from: PlanTerm, to: PlanTerm): readonly ChangeTiming[] {
  assertKind(kind, from, to);
  switch (kind) {
    case 'upgrade':
      return IMMEDIATE_ONLY;
    case 'downgrade':
      return EITHER;
    case 'interval_change':
      return lengthensInterval(from, to) ? IMMEDIATE_ONLY : EITHER;
  }
}

/** 'immediate' for upgrades and monthly → annual; 'period_end' for downgrades and annual → monthly (the paid period is used up first). */
export function defaultTiming(kind: ChangeKind, from: PlanTerm, to: PlanTerm): ChangeTiming {
  assertKind(kind, from, to);
  switch (kind) {
    case 'upgrade':
      return 'immediate';
    case 'downgrade':
      return 'period_end';
    case 'interval_change':
      return lengthensInterval(from, to) ? 'immediate' : 'period_end';
  }
}

export interface ImmediateChange {
  /** Credit line (negative, 'proration') then charge line ('proration' when the period is kept, 'subscription' when a new one starts); zero-amount lines omitted. */
  lines: LineDraft[];
  /** ≥ 0: the unused part of the old term. */
  creditCents: number;
  /** ≥ 0 */
  chargeCents: number;
  /** The cycle anchor after the change. */
  anchor: Date;
  /** The current period after the change. */
  period: Period;
}

/** The unused part of `term` from `at`, as a credit (0 and no line when nothing is left). */
function unusedTimeCredit(term: PlanTerm, period: Period, at: Date, pricing: Pricing): { line: LineDraft | null; creditCents: number } {
  const creditCents = prorate(pricing.priceOf(term), period, at);
  const from = truncateToSecond(at);
  const line =
    creditCents === 0
      ? null
      : singleUnitLine('proration', `Unused time on ${describeTerm(term)} from ${formatDateTime(from)}`, -creditCents, {
          start: from,
          end: period.end,
        });
  return { line, creditCents };
}

function assertInside(period: Period, at: Date): void {
  if (!periodIncludes(period, at)) {
    throw new RangeError(`${at.toISOString()} is outside the period ${period.start.toISOString()} – ${period.end.toISOString()}`);
  }
}

/**
 * A change applied at `at` inside `period` of a paid, non-trial subscription anchored at `anchor`:
 * - same interval: credit = prorate(price(from)), charge = prorate(price(to)) over the rest of the period;
 *   anchor and period unchanged.
 * - other interval: a monthly and an annual cycle cannot share a period, so the new term starts a new cycle
 *   at truncateToSecond(at) (the new anchor) and is charged in full; the old term is credited as above.
 * Throws RangeError when `at` is outside `period` or `from` and `to` are the same term.
 */
export function immediateChange(input: {
  from: PlanTerm;
  to: PlanTerm;
  anchor: Date;
  period: Period;
  at: Date;
  pricing: Pricing;
}): ImmediateChange {
  const { from, to, period, at, pricing } = input;
  assertInside(period, at);
  if (classifyChange(from, to) === 'none') throw new RangeError(`${describeTerm(from)} → ${describeTerm(to)} changes nothing`);
  const credit = unusedTimeCredit(from, period, at, pricing);

  if (from.interval === to.interval) {
    const chargeCents = prorate(pricing.priceOf(to), period, at);
    const start = truncateToSecond(at);
    const charge =
      chargeCents === 0
        ? null
        : singleUnitLine('proration', `Remaining time on ${describeTerm(to)} from ${formatDateTime(start)}`, chargeCents, {
            start,
            end: period.end,
          });
    return { lines: nonNull([credit.line, charge]), creditCents: credit.creditCents, chargeCents, anchor: input.anchor, period };
  }

  const anchor = truncateToSecond(at);
  const newPeriod: Period = { start: anchor, end: addIntervals(anchor, to.interval, 1) };
  const charge = baseFeeLine(to, newPeriod, pricing);
  return {
    lines: nonNull([credit.line, charge.amountCents === 0 ? null : charge]),
    creditCents: credit.creditCents,
    chargeCents: charge.amountCents,
    anchor,
    period: newPeriod,
  };
}

/** Cancelling now: one negative 'proration' line for the unused part (omitted when 0). */
export function cancellationCredit(input: { term: PlanTerm; period: Period; at: Date; pricing: Pricing }): {
  lines: LineDraft[];
  creditCents: number;
} {
  assertInside(input.period, input.at);
  const credit = unusedTimeCredit(input.term, input.period, input.at, input.pricing);
  return { lines: nonNull([credit.line]), creditCents: credit.creditCents };
}

/** The fee of one full period, billed in advance: one 'subscription' line, quantity 1 ("Pro (annual), 16 Mar 2025 – 16 Mar 2026"). */
export function baseFeeLine(term: PlanTerm, period: Period, pricing: Pricing): LineDraft {
  return singleUnitLine('subscription', `${describeTerm(term)}, ${formatPeriod(period)}`, pricing.priceOf(term), period);
}

function nonNull<T>(items: ReadonlyArray<T | null>): T[] {
  return items.filter((item): item is T => item !== null);
}
