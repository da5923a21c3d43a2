import type { EventData, PlanId, TenantryEventOf, TenantStatus } from '@tenantry/contracts';
import type { AccountFields } from '../accounts/account.collection';

/**
 * What one tenant event tells billing. The three tenant event types travel on three topics, so they
 * arrive in any order: each fact carries the tenant revision it is true at, and billing keeps a fact
 * only when it is newer than the one it has (see `followed`).
 */
export interface TenantFacts {
  tenantId: string;
  /** The tenant's revision after the event's write; undefined for events older than revisions (applied as they come). */
  revision: number | undefined;
  status?: TenantStatus;
  timezone?: string;
  /** null: the billing e-mail was removed. */
  billingEmail?: string | null;
  /** Only from `tenant.created`: what the trial opens with. */
  opening?: { tier: PlanId; trialEndsAt?: string | undefined };
}

// One small mapping per event type: the only places that read tenant events' data.

export function factsOfCreated(data: EventData<'tenant.created'>): TenantFacts {
  return {
    tenantId: data.tenant_id,
    revision: data.revision,
    status: data.status,
    timezone: data.timezone,
    billingEmail: data.billing_email ?? null,
    opening: { tier: data.subscription_tier, trialEndsAt: data.trial_ends_at },
  };
}

export function factsOfUpdated(data: EventData<'tenant.updated'>): TenantFacts {
  const { timezone, billing_email: billingEmail } = data.changes;
  return {
    tenantId: data.tenant_id,
    revision: data.revision,
    ...(timezone === undefined ? {} : { timezone }),
    ...(billingEmail === undefined ? {} : { billingEmail }),
  };
}

export function factsOfStatusChanged(data: EventData<'tenant.status_changed'>): TenantFacts {
  return { tenantId: data.tenant_id, revision: data.revision, status: data.to };
}

export type TenantEvent = TenantryEventOf<'tenant.created' | 'tenant.updated' | 'tenant.status_changed'>;

export function tenantFactsOf(event: TenantEvent): TenantFacts {
  switch (event.type) {
    case 'tenant.created':
      return factsOfCreated(event.data);
    case 'tenant.updated':
      return factsOfUpdated(event.data);
    case 'tenant.status_changed':
      return factsOfStatusChanged(event.data);
  }
}

export type AccountTenant = AccountFields['tenant'];
type FactRevisions = NonNullable<AccountTenant['revisions']>;

/** A tenant billing has heard of only through events that overtook its tenant.created (which opens the account). */
const AWAITING_CREATION: AccountTenant = {
  status: 'trial',
  timezone: 'UTC',
  awaitingCreation: true,
  revisions: { status: 0, timezone: 0, billingEmail: 0 },
};

/**
 * The tenant as billing keeps it once `facts` are applied: each field (status, time zone, billing
 * e-mail) follows the newest revision that set it, so the result is the same whatever order the events
 * arrive in, and a duplicate or an overtaken event changes nothing. Accounts from before revisions
 * count as revision 0; an event without a revision (written before they existed) is applied as it comes.
 */
export function followed(known: AccountTenant | undefined, facts: TenantFacts): AccountTenant {
  const { awaitingCreation, ...tenant }: AccountTenant = { ...(known ?? AWAITING_CREATION) };
  const revisions: FactRevisions = { status: 0, timezone: 0, billingEmail: 0, ...tenant.revisions };
  const newer = (field: keyof FactRevisions) => facts.revision === undefined || facts.revision > revisions[field];
  const settled = (field: keyof FactRevisions) => {
    if (facts.revision !== undefined) revisions[field] = facts.revision;
  };
  if (facts.status !== undefined && newer('status')) {
    tenant.status = facts.status;
    settled('status');
  }
  if (facts.timezone !== undefined && newer('timezone')) {
    tenant.timezone = facts.timezone;
    settled('timezone');
  }
  if (facts.billingEmail !== undefined && newer('billingEmail')) {
    if (facts.billingEmail === null) delete tenant.billingEmail;
    else tenant.billingEmail = facts.billingEmail;
    settled('billingEmail');
  }
  return { ...tenant, revisions, ...(awaitingCreation && !facts.opening ? { awaitingCreation } : {}) };
}

/** Whether `tenant.created` (which opens the trial) is still to come for this account. */
export function awaitsCreation(account: { tenant: AccountTenant } | null): boolean {
  return account === null || account.tenant.awaitingCreation === true;
}

/** The time zone, or null while billing has not learned it (only events that overtook tenant.created arrived). */
export function knownTimezone(tenant: AccountTenant): string | null {
  return tenant.awaitingCreation && !tenant.revisions?.timezone ? null : tenant.timezone;
}

export function sameTenant(a: AccountTenant, b: AccountTenant): boolean {
  const revisions = (tenant: AccountTenant) => [tenant.revisions?.status, tenant.revisions?.timezone, tenant.revisions?.billingEmail];
  return (
    a.status === b.status &&
    a.timezone === b.timezone &&
    a.billingEmail === b.billingEmail &&
    a.awaitingCreation === b.awaitingCreation &&
    revisions(a).every((revision, i) => revision === revisions(b)[i])
  );
}
