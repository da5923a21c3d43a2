import { planOf, type BillingInterval, type PlanId } from '@tenantry/contracts';
import type { TenantPlan } from '../../read-models/plan.collection';

/**
 * Monthly recurring revenue in whole cents, the way ProfitWell and Baremetrics count it: the list
 * price of a monthly plan, an annual plan's price ÷ 12 (rounded to the cent); trials and cancelled
 * subscriptions bring none.
 */
export function monthlyRecurringCents(planId: PlanId, interval: BillingInterval, status: 'trialing' | 'active' | 'cancelled'): number {
  if (status !== 'active') return 0;
  const { prices } = planOf(planId);
  return interval === 'annual' ? Math.round(prices.annual / 12) : prices.monthly;
}

export type MovementKind = 'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn';

export interface MrrChange {
  revision: number;
  kind: TenantPlan['changes'][number]['kind'];
  effective_at: string;
  plan_id: PlanId;
  interval: BillingInterval;
  mrr_before_cents: number;
  mrr_after_cents: number;
  movement: MovementKind | null;
}

/**
 * Replays a tenant's subscription changes (by revision) into its MRR after each one, and names the move:
 * from nothing to something is `new` (or `reactivation` after an earlier paid spell), to nothing `churn`,
 * else `expansion` or `contraction` by the sign of the difference.
 */
export function mrrHistory(changes: TenantPlan['changes']): MrrChange[] {
  let mrr = 0;
  let trialing = false;
  let everPaid = false;
  return [...changes]
    .sort((a, b) => a.revision - b.revision)
    .map((change) => {
      trialing = change.kind === 'created' ? change.trialing : false;
      const status = change.kind === 'cancelled' ? 'cancelled' : trialing ? 'trialing' : 'active';
      const after = monthlyRecurringCents(change.plan_id, change.interval, status);
      const before = mrr;
      const movement: MovementKind | null =
        before === after
          ? null
          : before === 0
            ? everPaid
              ? 'reactivation'
              : 'new'
            : after === 0
              ? 'churn'
              : after > before
                ? 'expansion'
                : 'contraction';
      mrr = after;
      if (after > 0) everPaid = true;
      return {
        revision: change.revision,
        kind: change.kind,
        effective_at: change.effective_at,
        plan_id: change.plan_id,
        interval: change.interval,
        mrr_before_cents: before,
        mrr_after_cents: after,
        movement,
      };
    });
}

/** MRR at `instant`: after the last change in effect by then (0 before the first). */
export function mrrAt(history: readonly MrrChange[], instant: string): number {
  const inEffect = history.filter((c) => c.effective_at < instant);
  return inEffect[inEffect.length - 1]?.mrr_after_cents ?? 0;
}

export interface MrrMovement {
  from: string;
  mrr_at_start_cents: number;
  new_cents: number;
  reactivation_cents: number;
  expansion_cents: number;
  contraction_cents: number;
  churn_cents: number;
  /** new + reactivation + expansion − contraction − churn. */
  net_cents: number;
  mrr_at_end_cents: number;
  changes: Array<MrrChange & { tenant_id: string }>;
}

/** The net MRR movement of the changes effective from `from` on, tenants' histories summed. */
export function mrrMovement(histories: ReadonlyArray<{ tenant_id: string; history: readonly MrrChange[] }>, from: string): MrrMovement {
  const movement: MrrMovement = {
    from,
    mrr_at_start_cents: 0,
    new_cents: 0,
    reactivation_cents: 0,
    expansion_cents: 0,
    contraction_cents: 0,
    churn_cents: 0,
    net_cents: 0,
    mrr_at_end_cents: 0,
    changes: [],
  };
  for (const { tenant_id, history } of histories) {
    movement.mrr_at_start_cents += mrrAt(history, from);
    movement.mrr_at_end_cents += history[history.length - 1]?.mrr_after_cents ?? 0;
    for (const change of history.filter((c) => c.effective_at >= from && c.movement !== null)) {
      const amount = Math.abs(change.mrr_after_cents - change.mrr_before_cents);
      movement[`${change.movement as MovementKind}_cents`] += amount;
      movement.changes.push({ tenant_id, ...change });
    }
  }
  movement.net_cents =
    movement.new_cents + movement.reactivation_cents + movement.expansion_cents - movement.contraction_cents - movement.churn_cents;
  movement.changes.sort((a, b) => a.effective_at.localeCompare(b.effective_at) || a.tenant_id.localeCompare(b.tenant_id));
  return movement;
}
