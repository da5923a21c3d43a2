import type { SubscriptionView } from '@tenantry/contracts';
import type { SubscriptionState } from '../accounts/account.collection';

export function toSubscriptionView(tenantId: string, subscription: SubscriptionState): SubscriptionView {
  const pending = subscription.pendingChange;
  return {
    id: subscription.id,
    tenantId,
    planId: subscription.planId,
    interval: subscription.interval,
    status: subscription.status,
    trialEndsAt: subscription.trialEndsAt?.toISOString() ?? null,
    trialEndBehavior: subscription.trialEndBehavior,
    billingCycleAnchor: subscription.anchor.toISOString(),
    currentPeriod: { start: subscription.periodStart.toISOString(), end: subscription.periodEnd.toISOString() },
    pendingChange: pending ? { kind: pending.kind, planId: pending.planId, interval: pending.interval, effectiveAt: pending.effectiveAt.toISOString() } : null,
    cancelledAt: subscription.cancelledAt?.toISOString() ?? null,
    createdAt: subscription.createdAt.toISOString(),
  };
}
