import type { BillingInterval, PlanId, SubscriptionEventType, TenantryEventOf } from '@tenantry/contracts';

export type PlanChangeKind = 'created' | 'activated' | 'upgraded' | 'downgraded' | 'interval_changed' | 'cancelled';

/** What one subscription event says, in the assistant's terms. */
export interface PlanChange {
  tenant_id: string;
  revision: number;
  kind: PlanChangeKind;
  plan_id: PlanId;
  from_plan_id: PlanId | null;
  interval: BillingInterval;
  /** Only `subscription.created` says whether the subscription starts with a trial. */
  trialing: boolean;
  effective_at: string;
}

/**
 * The ONE place that reads `subscription.*` data (its field names are being moved to snake_case on
 * another branch: adapt only this function).
 */
export function planChangeOf(event: TenantryEventOf<SubscriptionEventType>): PlanChange {
  const base = { tenant_id: event.data.tenant_id, revision: event.data.revision, effective_at: event.data.effective_at, trialing: false };
  switch (event.type) {
    case 'subscription.created':
      return {
        ...base,
        kind: 'created',
        plan_id: event.data.plan_id,
        from_plan_id: null,
        interval: event.data.interval,
        trialing: event.data.status === 'trialing',
      };
    case 'subscription.activated':
      return { ...base, kind: 'activated', plan_id: event.data.plan_id, from_plan_id: null, interval: event.data.interval };
    case 'subscription.upgraded':
      return {
        ...base,
        kind: 'upgraded',
        plan_id: event.data.to_plan_id,
        from_plan_id: event.data.from_plan_id,
        interval: event.data.interval,
      };
    case 'subscription.downgraded':
      return {
        ...base,
        kind: 'downgraded',
        plan_id: event.data.to_plan_id,
        from_plan_id: event.data.from_plan_id,
        interval: event.data.interval,
      };
    case 'subscription.interval_changed':
      return {
        ...base,
        kind: 'interval_changed',
        plan_id: event.data.plan_id,
        from_plan_id: event.data.plan_id,
        interval: event.data.interval,
      };
    case 'subscription.cancelled':
      return { ...base, kind: 'cancelled', plan_id: event.data.plan_id, from_plan_id: event.data.plan_id, interval: event.data.interval };
  }
}
