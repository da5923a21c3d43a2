import type { PlanId, SubscriptionEventType, TenantryEventOf } from '@tenantry/contracts';

export type SubscriptionEvent = TenantryEventOf<SubscriptionEventType>;

/** A plan and the revision of the tenant's subscription event that put it in force (0: before any). */
export interface PlanAtRevision {
  readonly planId: PlanId;
  readonly revision: number;
}

/**
 * The plan a subscription event puts in force. Billing publishes every event when it takes effect (a
 * downgrade at period end is published at period end), so the event's plan applies from its arrival.
 */
export function planInForceAfter(event: SubscriptionEvent): PlanAtRevision {
  switch (event.type) {
    case 'subscription.upgraded':
    case 'subscription.downgraded':
      return { planId: event.data.to_plan_id, revision: event.data.revision };
    case 'subscription.created':
    case 'subscription.activated':
    case 'subscription.interval_changed':
    case 'subscription.cancelled':
      return { planId: event.data.plan_id, revision: event.data.revision };
  }
}

/**
 * The newest plan the gateway has seen for each tenant through subscription events, so a plan change
 * applies on the next request — without waiting for the tenants service, which consumes the same event
 * in its own group and may not have applied it when the gateway re-resolves the key.
 *
 * Revisions order it: an event is kept only if its revision is higher than the one already known, so a
 * duplicate or a late older event (the six event types are six topics: no order between them) changes
 * nothing; and the key resolution's own revision wins when it is the newer one. Bounded: beyond
 * `maxTenants` the tenant whose plan changed longest ago is forgotten (the tenants service has long
 * applied that change by then, so its resolution says the same).
 */
export class PlansInForce {
  private readonly latest = new Map<string, PlanAtRevision>();
  private applied = 0;
  private ignored = 0;

  constructor(private readonly maxTenants = 100_000) {}

  /** Records the plan an event put in force; false, changing nothing, when the event is not newer than what is known. */
  record(tenantId: string, plan: PlanAtRevision): boolean {
    const known = this.latest.get(tenantId);
    if (known && known.revision >= plan.revision) {
      this.ignored += 1;
      return false;
    }
    this.applied += 1;
    if (known)
      this.latest.delete(tenantId); // re-inserted: Map order stays "oldest change first"
    else if (this.latest.size >= this.maxTenants) this.latest.delete(this.latest.keys().next().value as string);
    this.latest.set(tenantId, plan);
    return true;
  }

  /** The plan in force for a tenant whose key resolution says `resolved`: whichever of the two is newer. */
  inForce(tenantId: string, resolved: PlanAtRevision): PlanAtRevision {
    const seen = this.latest.get(tenantId);
    return seen !== undefined && seen.revision > resolved.revision ? seen : resolved;
  }

  get size(): number {
    return this.latest.size;
  }

  /**
   * For /health: tenants tracked, events applied, and events ignored because one as new or newer had
   * been seen (redeliveries, and the out-of-order arrivals that six topics allow).
   */
  stats(): { tenants: number; applied: number; ignoredAsOlder: number } {
    return { tenants: this.latest.size, applied: this.applied, ignoredAsOlder: this.ignored };
  }
}
