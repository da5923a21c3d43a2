import { ConflictError, ValidationFailedError, type ChangeKind, type TrialEndBehavior } from '@tenantry/contracts';
import type { SubscriptionState } from '../accounts/account.collection';
import {
  addIntervals,
  allowedTimings,
  baseFeeLine,
  cancellationCredit,
  classifyChange,
  defaultTiming,
  immediateChange,
  periodContaining,
  truncateToSecond,
  type ChangeTiming,
  type LineDraft,
  type Period,
  type PlanTerm,
  type Pricing,
} from '../domain';
import type { AccountTransition, IssuedDocument } from './account-transition';

/**
 * The subscription rules (MISSION §4 "billing"), applied to an AccountTransition: what each operation
 * does to the subscription, which events it emits and which invoice or credit note it issues. No I/O
 * here except `OverageLines`, which reads metered usage.
 */

/** The overage lines of a subscription for a period that ended (or is cut short). */
export type OverageLines = (subscription: SubscriptionState, period: Period) => Promise<LineDraft[]>;

export interface ChangeOutcome {
  kind: ChangeKind;
  timing: ChangeTiming;
  effectiveAt: Date;
  document: IssuedDocument | null;
}

export interface CancelOutcome {
  timing: ChangeTiming;
  effectiveAt: Date;
  document: IssuedDocument | null;
}

const termOf = (subscription: SubscriptionState): PlanTerm => ({ planId: subscription.planId, interval: subscription.interval });
const periodOf = (subscription: SubscriptionState): Period => ({ start: subscription.periodStart, end: subscription.periodEnd });
const iso = (period: Period) => ({ start: period.start.toISOString(), end: period.end.toISOString() });

/** The trial every new tenant starts with: no money moves until it ends. */
export function startTrial(
  t: AccountTransition,
  input: { id: string; planId: PlanTerm['planId']; trialEndsAt: Date; trialEndBehavior: TrialEndBehavior; now: Date },
): void {
  const start = truncateToSecond(input.now);
  const trial: Period = { start, end: input.trialEndsAt };
  t.start({
    id: input.id,
    planId: input.planId,
    interval: 'monthly',
    status: 'trialing',
    trialEndsAt: input.trialEndsAt,
    trialEndBehavior: input.trialEndBehavior,
    anchor: start,
    periodStart: start,
    periodEnd: input.trialEndsAt,
    createdAt: input.now,
  });
  t.emit('subscription.created', {
    subscription_id: input.id,
    plan_id: input.planId,
    interval: 'monthly',
    status: 'trialing',
    trial_ends_at: input.trialEndsAt.toISOString(),
    effective_at: start.toISOString(),
    period: iso(trial),
  });
}

/** A paid subscription from now: its first period is invoiced at once, in advance. */
export function startPaid(
  t: AccountTransition,
  input: { id: string; term: PlanTerm; trialEndBehavior: TrialEndBehavior; now: Date; pricing: Pricing },
): IssuedDocument {
  const start = truncateToSecond(input.now);
  const period: Period = { start, end: addIntervals(start, input.term.interval, 1) };
  t.start({
    id: input.id,
    ...input.term,
    status: 'active',
    trialEndBehavior: input.trialEndBehavior,
    anchor: start,
    periodStart: period.start,
    periodEnd: period.end,
    createdAt: input.now,
  });
  t.emit('subscription.created', {
    subscription_id: input.id,
    plan_id: input.term.planId,
    interval: input.term.interval,
    status: 'active',
    effective_at: start.toISOString(),
    period: iso(period),
  });
  return t.issue({
    reason: 'subscription_start',
    subscriptionId: input.id,
    period,
    lines: [baseFeeLine(input.term, period, input.pricing)],
  });
}

/**
 * Ends a trial at `at` on `term` (the trial's own plan at trial end; any plan when the tenant subscribes
 * early): a new cycle starts at `at` and its first period is invoiced.
 */
export function activate(
  t: AccountTransition,
  subscription: SubscriptionState,
  term: PlanTerm,
  at: Date,
  pricing: Pricing,
): IssuedDocument {
  const start = truncateToSecond(at);
  const period: Period = { start, end: addIntervals(start, term.interval, 1) };
  const kind = classifyChange(termOf(subscription), term);
  if (kind === 'upgrade' || kind === 'downgrade')
    emitPlanChange(t, subscription, term, kind, { timing: 'immediate', effectiveAt: start, period });
  const { pendingChange: _dropped, ...rest } = subscription;
  t.put({ ...rest, ...term, status: 'active', anchor: start, periodStart: period.start, periodEnd: period.end });
  t.emit('subscription.activated', {
    subscription_id: subscription.id,
    plan_id: term.planId,
    interval: term.interval,
    effective_at: start.toISOString(),
    period: iso(period),
  });
  return t.issue({ reason: 'trial_conversion', subscriptionId: subscription.id, period, lines: [baseFeeLine(term, period, pricing)] });
}

/**
 * A change of plan and/or interval, classified by plan rank. Upgrades apply at once, prorated to the
 * second; downgrades and annual → monthly wait for the period end unless asked `immediate` (then the
 * unused part is credited, usually as a credit note). A trial changes plan at once, with no money.
 */
export function changePlan(
  t: AccountTransition,
  subscription: SubscriptionState,
  to: PlanTerm,
  requested: ChangeTiming | undefined,
  now: Date,
  pricing: Pricing,
): ChangeOutcome {
  const from = termOf(subscription);
  const kind = classifyChange(from, to);
  if (kind === 'none') {
    throw new ConflictError(`Subscription ${subscription.id} is already on ${to.planId} (${to.interval}).`, {
      plan_id: to.planId,
      interval: to.interval,
    });
  }
  const at = truncateToSecond(now);

  if (subscription.status === 'trialing') {
    if (requested === 'period_end') {
      throw new ValidationFailedError('A trial changes plan at once.', [{ field: 'timing', message: 'Only "immediate" during a trial' }]);
    }
    const { pendingChange: _dropped, ...rest } = subscription;
    t.put({ ...rest, ...to });
    emitChange(t, subscription, to, kind, { timing: 'immediate', effectiveAt: at, period: periodOf(subscription) });
    return { kind, timing: 'immediate', effectiveAt: at, document: null };
  }

  const allowed = allowedTimings(kind, from, to);
  const timing = requested ?? defaultTiming(kind, from, to);
  if (!allowed.includes(timing)) {
    const why = kind === 'upgrade' ? 'An upgrade applies at once' : 'A change to a longer billing interval applies at once';
    throw new ValidationFailedError(`${why}: timing "${timing}" is not possible.`, [
      { field: 'timing', message: `One of: ${allowed.join(', ')}` },
    ]);
  }

  if (timing === 'period_end') {
    t.put({
      ...subscription,
      pendingChange: { kind: kind === 'downgrade' ? 'downgrade' : 'interval_change', ...to, effectiveAt: subscription.periodEnd },
    });
    return { kind, timing, effectiveAt: subscription.periodEnd, document: null };
  }

  const change = immediateChange({ from, to, anchor: subscription.anchor, period: periodOf(subscription), at, pricing });
  const { pendingChange: _replaced, ...rest } = subscription;
  t.put({ ...rest, ...to, anchor: change.anchor, periodStart: change.period.start, periodEnd: change.period.end });
  const document =
    change.lines.length === 0
      ? null
      : t.issue({
          reason: 'plan_change',
          subscriptionId: subscription.id,
          period: { start: at, end: change.period.end },
          lines: change.lines,
        });
  emitChange(t, subscription, to, kind, {
    timing,
    effectiveAt: at,
    period: change.period,
    proration: { creditCents: change.creditCents, chargeCents: change.chargeCents, currency: 'EUR' },
    ...(document?.fields.documentType === 'credit_note' ? { creditNoteId: document.id } : {}),
  });
  return { kind, timing, effectiveAt: at, document };
}

/**
 * Withdraws the change scheduled for the period end (a downgrade, an interval change or a cancellation):
 * the subscription renews on its current plan and interval as if it had never been asked. Nothing was
 * published when the change was scheduled, so nothing is published now. 409 when nothing is scheduled —
 * also when the change already took effect at a period end that has passed.
 */
export function withdrawPendingChange(
  t: AccountTransition,
  subscription: SubscriptionState,
): NonNullable<SubscriptionState['pendingChange']> {
  const { pendingChange: withdrawn, ...rest } = subscription;
  if (!withdrawn) {
    throw new ConflictError(`Subscription ${subscription.id} has no scheduled change to withdraw.`, { subscription_id: subscription.id });
  }
  t.put(rest);
  return withdrawn;
}

/**
 * Cancels now (the unused part of the period is credited; overage so far is billed) or at the period
 * end (the trial end for a trial). `subscription.cancelled` is emitted when the cancellation takes effect.
 */
export async function cancel(
  t: AccountTransition,
  subscription: SubscriptionState,
  input: { timing: ChangeTiming; reason?: string | undefined; now: Date; pricing: Pricing; overageLines: OverageLines },
): Promise<CancelOutcome> {
  const at = truncateToSecond(input.now);
  if (input.timing === 'period_end') {
    const effectiveAt = subscription.status === 'trialing' && subscription.trialEndsAt ? subscription.trialEndsAt : subscription.periodEnd;
    t.put({
      ...subscription,
      pendingChange: { kind: 'cancellation', ...termOf(subscription), effectiveAt, ...(input.reason ? { reason: input.reason } : {}) },
    });
    return { timing: 'period_end', effectiveAt, document: null };
  }
  let document: IssuedDocument | null = null;
  let creditCents = 0;
  if (subscription.status === 'active') {
    const credit = cancellationCredit({ term: termOf(subscription), period: periodOf(subscription), at, pricing: input.pricing });
    creditCents = credit.creditCents;
    const lines = [...credit.lines, ...(await input.overageLines(subscription, { start: subscription.periodStart, end: at }))];
    if (lines.length > 0)
      document = t.issue({ reason: 'cancellation', subscriptionId: subscription.id, period: periodOf(subscription), lines });
  }
  end(t, subscription, { timing: 'immediate', at, reason: input.reason, creditCents });
  return { timing: 'immediate', effectiveAt: at, document };
}

/** Most periods the scheduler catches up in one pass (a platform that was down for months). */
const MAX_STEPS_PER_PASS = 36;

/**
 * Does what is due at `now`: a trial that ended converts (or cancels), a period that ended renews —
 * applying a scheduled downgrade, interval change or cancellation — and is invoiced: the new period's
 * fee in advance plus the ended period's overage in arrears. Returns how many steps it took.
 */
export async function advance(t: AccountTransition, now: Date, pricing: Pricing, overageLines: OverageLines): Promise<number> {
  let steps = 0;
  for (; steps < MAX_STEPS_PER_PASS; steps += 1) {
    const subscription = t.current;
    if (!subscription) break;
    if (subscription.status === 'trialing') {
      const trialEnd = subscription.trialEndsAt ?? subscription.periodEnd;
      if (trialEnd > now) break;
      if (subscription.pendingChange?.kind === 'cancellation' || subscription.trialEndBehavior === 'cancel') {
        end(t, subscription, { timing: 'period_end', at: trialEnd, reason: subscription.pendingChange?.reason ?? 'trial ended' });
      } else {
        activate(t, subscription, termOf(subscription), trialEnd, pricing);
      }
      continue;
    }
    if (subscription.periodEnd > now) break;
    renew(t, subscription, pricing, await overageLines(subscription, periodOf(subscription)));
  }
  return steps;
}

function renew(t: AccountTransition, subscription: SubscriptionState, pricing: Pricing, overage: LineDraft[]): void {
  const ended = periodOf(subscription);
  const pending = subscription.pendingChange;
  if (pending?.kind === 'cancellation') {
    if (overage.length > 0) t.issue({ reason: 'cancellation', subscriptionId: subscription.id, period: ended, lines: overage });
    end(t, subscription, { timing: 'period_end', at: ended.end, reason: pending.reason });
    return;
  }
  const to: PlanTerm = pending ? { planId: pending.planId, interval: pending.interval } : termOf(subscription);
  // A new interval starts a new cycle at the boundary; otherwise the cycle keeps its anchor (month ends stay month ends).
  const anchor = to.interval === subscription.interval ? subscription.anchor : ended.end;
  const next = periodContaining(anchor, to.interval, ended.end);
  const { pendingChange: _applied, ...rest } = subscription;
  t.put({ ...rest, ...to, anchor, periodStart: next.start, periodEnd: next.end });
  if (pending) {
    const kind = classifyChange(termOf(subscription), to);
    if (kind !== 'none') emitChange(t, subscription, to, kind, { timing: 'period_end', effectiveAt: ended.end, period: next });
  }
  t.issue({ reason: 'renewal', subscriptionId: subscription.id, period: next, lines: [baseFeeLine(to, next, pricing), ...overage] });
}

function end(
  t: AccountTransition,
  subscription: SubscriptionState,
  input: { timing: ChangeTiming; at: Date; reason?: string | undefined; creditCents?: number },
): void {
  const { pendingChange: _done, ...rest } = subscription;
  t.put({ ...rest, status: 'cancelled', cancelledAt: input.at, ...(input.reason ? { cancelReason: input.reason } : {}) });
  t.emit('subscription.cancelled', {
    subscription_id: subscription.id,
    plan_id: subscription.planId,
    interval: subscription.interval,
    timing: input.timing,
    effective_at: input.at.toISOString(),
    period: iso(periodOf(subscription)),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.creditCents ? { credit_cents: input.creditCents } : {}),
  });
}

interface ChangeDetails {
  timing: ChangeTiming;
  effectiveAt: Date;
  period: Period;
  proration?: { creditCents: number; chargeCents: number; currency: 'EUR' };
  creditNoteId?: string;
}

function emitChange(t: AccountTransition, subscription: SubscriptionState, to: PlanTerm, kind: ChangeKind, details: ChangeDetails): void {
  if (kind === 'interval_change') {
    t.emit('subscription.interval_changed', {
      subscription_id: subscription.id,
      plan_id: to.planId,
      from_interval: subscription.interval,
      interval: to.interval,
      timing: details.timing,
      effective_at: details.effectiveAt.toISOString(),
      period: iso(details.period),
      ...(details.proration ? { proration: prorationData(details.proration) } : {}),
      ...(details.creditNoteId ? { credit_note_id: details.creditNoteId } : {}),
    });
    return;
  }
  emitPlanChange(t, subscription, to, kind, details);
}

function emitPlanChange(
  t: AccountTransition,
  subscription: SubscriptionState,
  to: PlanTerm,
  kind: 'upgrade' | 'downgrade',
  details: ChangeDetails,
): void {
  const data = {
    subscription_id: subscription.id,
    from_plan_id: subscription.planId,
    to_plan_id: to.planId,
    from_interval: subscription.interval,
    interval: to.interval,
    effective_at: details.effectiveAt.toISOString(),
    period: iso(details.period),
    ...(details.proration ? { proration: prorationData(details.proration) } : {}),
  };
  if (kind === 'upgrade') t.emit('subscription.upgraded', data);
  else
    t.emit('subscription.downgraded', {
      ...data,
      timing: details.timing,
      ...(details.creditNoteId ? { credit_note_id: details.creditNoteId } : {}),
    });
}

function prorationData(proration: NonNullable<ChangeDetails['proration']>): {
  credit_cents: number;
  charge_cents: number;
  currency: 'EUR';
} {
  return { credit_cents: proration.creditCents, charge_cents: proration.chargeCents, currency: proration.currency };
}
