import { ConflictError, SUBSCRIPTION_EVENT_TYPES, type PlanId, type TenantryEvent, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type Subscription } from '@tenantry/event-bus';
import { planSlaObjective } from '../slo-definitions/definitions';
import type { TenantProfiles } from '../slos/sla.routes';
import { profileIdOf, type TenantProfileFields, type TenantProfileRepository } from './tenant-profile.collection';

export const PROFILES_CONSUMER_GROUP = 'observability-tenant-profiles';

/** One fact an event tells about a tenant, in the service's own words. */
export type ProfileFact = { tenant_id: string } & (
  { kind: 'plan'; plan_id: PlanId | null; revision: number } | { kind: 'timezone'; timezone: string; at: string }
);

/** The ONE place reading tenant.* and subscription.* data (their fields are being renamed to snake_case). */
export function factsOf(event: TenantryEvent): ProfileFact[] {
  switch (event.type) {
    case 'tenant.created': {
      const data = (event as TenantryEventOf<'tenant.created'>).data;
      return [
        { tenant_id: data.tenant_id, kind: 'plan', plan_id: data.subscription_tier, revision: 0 },
        { tenant_id: data.tenant_id, kind: 'timezone', timezone: data.timezone, at: event.time },
      ];
    }
    case 'tenant.updated': {
      const data = (event as TenantryEventOf<'tenant.updated'>).data;
      return data.changes.timezone
        ? [{ tenant_id: data.tenant_id, kind: 'timezone', timezone: data.changes.timezone, at: event.time }]
        : [];
    }
    case 'subscription.upgraded':
    case 'subscription.downgraded': {
      const data = (event as TenantryEventOf<'subscription.upgraded'>).data;
      return [{ tenant_id: data.tenant_id, kind: 'plan', plan_id: data.to_plan_id, revision: data.revision }];
    }
    case 'subscription.cancelled': {
      const data = (event as TenantryEventOf<'subscription.cancelled'>).data;
      return [{ tenant_id: data.tenant_id, kind: 'plan', plan_id: null, revision: data.revision }];
    }
    case 'subscription.created':
    case 'subscription.activated':
    case 'subscription.interval_changed': {
      const data = (event as TenantryEventOf<'subscription.created'>).data;
      return [{ tenant_id: data.tenant_id, kind: 'plan', plan_id: data.plan_id, revision: data.revision }];
    }
    default:
      return [];
  }
}

function applied(profile: TenantProfileFields, fact: ProfileFact): TenantProfileFields {
  if (fact.kind === 'plan') {
    // tenant.created's tier (revision 0) holds until billing's first subscription event.
    const newer = fact.revision > profile.plan_revision || (fact.revision === 0 && profile.plan_revision === 0);
    if (!newer || (fact.plan_id === profile.plan_id && fact.revision === profile.plan_revision)) return profile;
    return {
      ...profile,
      plan_id: fact.plan_id,
      plan_revision: fact.revision,
      has_sla: fact.plan_id !== null && planSlaObjective(fact.plan_id) !== null,
    };
  }
  if (fact.at <= profile.timezone_at) return profile;
  return { ...profile, timezone: fact.timezone, timezone_at: fact.at };
}

const BLANK: TenantProfileFields = { plan_id: null, plan_revision: 0, timezone: 'UTC', timezone_at: '', has_sla: false };

/** Create-or-update of the tenant's profile; idempotent by construction (revisions and event times). */
export class TenantProfileStore implements TenantProfiles {
  constructor(private readonly profiles: TenantProfileRepository) {}

  async apply(event: TenantryEvent): Promise<void> {
    for (const fact of factsOf(event)) await this.applyFact(fact);
  }

  private async applyFact(fact: ProfileFact): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.profiles.findById(fact.tenant_id, profileIdOf(fact.tenant_id));
      const next = applied(current ?? BLANK, fact);
      if (current && next === current) return;
      try {
        if (current) await this.profiles.update(fact.tenant_id, profileIdOf(fact.tenant_id), next, { expectedVersion: current.version });
        else await this.profiles.insert(fact.tenant_id, next, { id: profileIdOf(fact.tenant_id) });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 8) throw error;
      }
    }
  }

  async profileOf(tenantId: string): Promise<{ plan_id: PlanId | null; timezone: string } | null> {
    const profile = await this.profiles.findById(tenantId, profileIdOf(tenantId));
    return profile ? { plan_id: profile.plan_id, timezone: profile.timezone } : null;
  }

  /** One page of the tenants on a plan with an SLA (creation order). */
  async pageWithSla(
    limit: number,
    cursor?: string,
  ): Promise<{ items: { tenant_id: string; plan_id: PlanId; timezone: string }[]; next_cursor: string | null }> {
    const page = await this.profiles.admin.listAcrossTenants({ filter: { has_sla: true }, limit, ...(cursor ? { cursor } : {}) });
    return {
      items: page.items.flatMap((profile) =>
        profile.plan_id ? [{ tenant_id: profile.tenantId, plan_id: profile.plan_id, timezone: profile.timezone }] : [],
      ),
      next_cursor: page.nextCursor,
    };
  }

  /**
   * Every tenant on a plan with an SLA, in no particular order: one query read in batches (a page at a
   * time, FerretDB decoded and sorted the whole collection for every page: 41–57 s of a 10,000-tenant pass).
   */
  async *withSla(): AsyncGenerator<{ tenant_id: string; plan_id: PlanId; timezone: string }> {
    for await (const profile of this.profiles.admin.eachAcrossTenants({ has_sla: true }))
      if (profile.plan_id) yield { tenant_id: profile.tenantId, plan_id: profile.plan_id, timezone: profile.timezone };
  }
}

export function followTenants(bus: EventBus, store: TenantProfileStore): Promise<Subscription> {
  return bus.subscribe({
    groupId: PROFILES_CONSUMER_GROUP,
    eventTypes: ['tenant.created', 'tenant.updated', ...SUBSCRIPTION_EVENT_TYPES],
    retry: DEFAULT_RETRY_POLICY,
    handler: (event) => store.apply(event),
  });
}
