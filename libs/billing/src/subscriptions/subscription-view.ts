import type { SubscriptionView } from '@tenantry/contracts';
import type { SubscriptionState } from '../accounts/account.collection';

export function toSubscriptionView(tenantId: string, subscription: SubscriptionState): SubscriptionView {
  const pending = subscription.pendingChange;
  return {
    id: subscription.id,
    tenant_id: tenantId,
    plan_id: subscription.planId,
    interval: subscription.interval,
    status: subscription.status,
    trial_ends_at: subscription.trialEndsAt?.toISOString() ?? null,
    trial_end_behavior: subscription.trialEndBehavior,
    billing_cycle_anchor: subscription.anchor.toISOString(),
    current_period: { start: subscription.periodStart.toISOString(), end: subscription.periodEnd.toISOString() },
    pending_change: pending
      ? { kind: pending.kind, plan_id: pending.planId, interval: pending.interval, effective_at: pending.effectiveAt.toISOString() }
      : null,
    cancelled_at: subscription.cancelledAt?.toISOString() ?? null,
    created_at: subscription.createdAt.toISOString(),
  };
}
