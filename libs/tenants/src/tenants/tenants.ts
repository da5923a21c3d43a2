import { randomInt } from 'node:crypto';
import {
  ConflictError,
  type ChangeTenantStatusRequest,
  type CreateTenantRequest,
  type CreateTenantResponse,
  type EventDataInput,
  type PlanId,
  type TenantryEventOf,
  type TenantStatus,
  type TenantView,
  type UpdateTenantRequest,
} from '@tenantry/contracts';
import { withQueryCursor, type Page } from '@tenantry/http';
import type { ApiKeys } from '../api-keys/api-keys';
import type { OutboxNotifier } from '@tenantry/event-bus';
import { tenantEvent } from '../events';
import { findTenantOrThrow } from './find-tenant';
import { assertTransition, canTransition } from './tenant-status';
import type { Tenant, TenantFields, TenantRepository } from './tenant.collection';
import { toTenantView } from './tenant-view';

export const TRIAL_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A PUT that keeps losing races to concurrent writers gives up after this many re-reads. */
const MAX_UPDATE_ATTEMPTS = 3;
/** A subscription event that keeps losing races is retried by its consumer (with backoff) after this many. */
const MAX_SUBSCRIPTION_ATTEMPTS = 5;

export interface TenantsDeps {
  tenants: TenantRepository;
  apiKeys: ApiKeys;
  outbox: OutboxNotifier;
  defaultTier: PlanId;
  clock: () => Date;
}

type TenantChanges = EventDataInput<'tenant.updated'>['changes'];

/** What a subscription event says about its tenant (see subscriptions/follow-subscriptions.ts). */
export interface SubscriptionChange {
  tenantId: string;
  /** Billing's per-tenant counter of subscription events. */
  revision: number;
  /** The plan in force from this event on. */
  planId: PlanId;
  /** `activated`: a paid subscription is in force (a trial converted); `cancelled`: the subscription ended. */
  lifecycle?: 'activated' | 'cancelled';
}

/** `unchanged`: a duplicate or overtaken event; `unknown_tenant`: nothing to update. */
export type FollowOutcome = 'applied' | 'unchanged' | 'unknown_tenant';

/** The `statusReason` a tenant gets when a subscription moves it. */
const SUBSCRIPTION_STEP_REASON: Record<'active' | 'cancelled', string> = {
  active: 'subscription activated',
  cancelled: 'subscription cancelled',
};

/** The tenant lifecycle: create, read, list, update, change status, follow its subscription. */
export class Tenants {
  constructor(private readonly deps: TenantsDeps) {}

  /**
   * Creates a tenant on a 14-day trial with its first API key. The key is written first: if the tenant
   * write then fails, the key names a tenant that does not exist, which resolves as unknown (inert) and is
   * removed right away; the reverse order could leave a tenant nobody can call.
   */
  async create(input: CreateTenantRequest): Promise<CreateTenantResponse> {
    const now = this.deps.clock();
    const tenantId = newTenantId();
    const apiKey = await this.deps.apiKeys.insertKey(tenantId, { name: 'default', scopes: [] });
    const fields: TenantFields = {
      name: input.name,
      status: 'trial',
      subscriptionTier: input.subscription_tier ?? this.deps.defaultTier,
      // Billing subscribes the tenant from tenant.created; its events then carry revisions from 1.
      subscriptionRevision: 0,
      timezone: input.timezone ?? 'UTC',
      ...(input.billing_email === undefined ? {} : { billingEmail: input.billing_email }),
      metadata: input.metadata ?? {},
      trialEndsAt: new Date(now.getTime() + TRIAL_DAYS * DAY_MS),
    };
    const created = tenantEvent(
      'tenant.created',
      tenantId,
      {
        tenant_id: tenantId,
        name: fields.name,
        subscription_tier: fields.subscriptionTier,
        status: fields.status,
        timezone: fields.timezone,
        ...(fields.billingEmail === undefined ? {} : { billing_email: fields.billingEmail }),
        metadata: fields.metadata,
        trial_ends_at: fields.trialEndsAt?.toISOString(),
        created_at: now.toISOString(),
        revision: FIRST_VERSION,
      },
      now,
    );
    let tenant: Tenant;
    try {
      tenant = await this.deps.tenants.insert(tenantId, fields, { id: tenantId, events: [created] });
    } catch (error) {
      await this.deps.apiKeys.withdraw(tenantId, apiKey.id);
      throw error;
    }
    this.deps.outbox.notify();
    return { tenant: toTenantView(tenant), api_key: apiKey };
  }

  async get(tenantId: string): Promise<TenantView> {
    return toTenantView(await findTenantOrThrow(this.deps.tenants, tenantId));
  }

  /** Every tenant (platform admin only: the one unscoped read of this service). */
  async list(query: {
    status?: TenantStatus | undefined;
    subscription_tier?: PlanId | undefined;
    limit: number;
    cursor?: string | undefined;
  }): Promise<Page<TenantView>> {
    const filter = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.subscription_tier ? { subscriptionTier: query.subscription_tier } : {}),
    };
    const page = await withQueryCursor(() =>
      this.deps.tenants.admin.listAcrossTenants({ filter, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
    );
    return { items: page.items.map(toTenantView), next_cursor: page.nextCursor };
  }

  /** Applies what differs from the stored tenant; emits `tenant.updated` with exactly that, or nothing for a no-op. */
  async update(tenantId: string, input: UpdateTenantRequest): Promise<TenantView> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await findTenantOrThrow(this.deps.tenants, tenantId);
      if (current.status === 'cancelled') throw new ConflictError(`Tenant ${tenantId} is cancelled and can no longer be changed.`);
      const changes = changesOf(current, input);
      if (Object.keys(changes).length === 0) return toTenantView(current);
      const now = this.deps.clock();
      const event = tenantEvent(
        'tenant.updated',
        tenantId,
        { tenant_id: tenantId, changes, updated_at: now.toISOString(), revision: revisionAfterWrite(current) },
        now,
      );
      const patch: Partial<TenantFields> = {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.timezone === undefined ? {} : { timezone: changes.timezone }),
        ...(changes.metadata === undefined ? {} : { metadata: changes.metadata }),
        // `undefined` removes the field; absent keeps it.
        ...(changes.billing_email === undefined ? {} : { billingEmail: changes.billing_email ?? undefined }),
      };
      try {
        const updated = await this.deps.tenants.update(tenantId, tenantId, patch, { expectedVersion: current.version, events: [event] });
        this.deps.outbox.notify();
        return toTenantView(updated);
      } catch (error) {
        // Someone else changed the tenant between our read and write: diff again against what they wrote.
        if (!(error instanceof ConflictError) || attempt >= MAX_UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * A cancellation whose key revocation failed part-way (the tenant write had committed) is finished by
   * asking to cancel again (the request still gets its 409) or by the redelivered cancellation event.
   */
  private async finishCancellation(tenantId: string): Promise<void> {
    if ((await this.deps.apiKeys.revokeAllOf(tenantId, 'tenant_cancelled')) > 0) this.deps.outbox.notify();
  }

  /**
   * Moves the tenant along its lifecycle (409 for a transition the lifecycle does not allow). Cancelling
   * then revokes every key of the tenant: the tenant write comes first because it alone already stops
   * all traffic (the gateway refuses cancelled tenants), so a failure part-way leaves nothing usable,
   * and cancelling again finishes the revocations.
   */
  async changeStatus(tenantId: string, input: ChangeTenantStatusRequest): Promise<TenantView> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await findTenantOrThrow(this.deps.tenants, tenantId);
      if (current.status === 'cancelled' && input.status === 'cancelled') await this.finishCancellation(tenantId);
      const change = statusChange(current, input.status, { reason: input.reason, changedBy: 'admin' }, this.deps.clock());
      let updated: Tenant;
      try {
        updated = await this.deps.tenants.update(tenantId, tenantId, change.fields, {
          expectedVersion: current.version,
          events: [change.event],
        });
      } catch (error) {
        // A concurrent write (e.g. a PUT): check the transition again against what is there now.
        if (!(error instanceof ConflictError) || attempt >= MAX_UPDATE_ATTEMPTS) throw error;
        continue;
      }
      await this.afterStatusChange(updated);
      return toTenantView(updated);
    }
  }

  /**
   * Applies what a subscription event of billing says (see subscriptions/follow-subscriptions.ts): the
   * plan in force and its revision, and a lifecycle step, in one versioned write with the
   * `tenant.status_changed` it causes (`changedBy: 'system'`).
   *
   * The tier follows only an event newer than the revision stored (a duplicate or an overtaken event
   * changes nothing). A lifecycle step is applied even from an overtaken event: both only ever move the
   * tenant towards where it would be anyway (a trial never comes back, cancelled is final), so the end
   * state is the same whatever order the events arrive in.
   */
  async followSubscription(change: SubscriptionChange): Promise<FollowOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.deps.tenants.findById(change.tenantId, change.tenantId);
      if (!current) return 'unknown_tenant';
      // A redelivered cancellation whose key revocation failed part-way: finish it (as the admin route does).
      if (change.lifecycle === 'cancelled' && current.status === 'cancelled') await this.finishCancellation(current.id);
      const newer = change.revision > current.subscriptionRevision;
      const to = statusAfterSubscriptionStep(current.status, change.lifecycle);
      if (!newer && to === undefined) return 'unchanged';
      const status =
        to === undefined
          ? undefined
          : statusChange(current, to, { reason: SUBSCRIPTION_STEP_REASON[to], changedBy: 'system' }, this.deps.clock());
      const fields: Partial<TenantFields> = {
        ...(newer ? { subscriptionTier: change.planId, subscriptionRevision: change.revision } : {}),
        ...status?.fields,
      };
      let updated: Tenant;
      try {
        updated = await this.deps.tenants.update(current.id, current.id, fields, {
          expectedVersion: current.version,
          events: status ? [status.event] : [],
        });
      } catch (error) {
        // Another event of this tenant (a rebalance) or an admin write got there first: decide again.
        if (!(error instanceof ConflictError) || attempt >= MAX_SUBSCRIPTION_ATTEMPTS) throw error;
        continue;
      }
      if (status) await this.afterStatusChange(updated);
      return 'applied';
    }
  }

  /** What follows a committed status change: a cancelled tenant loses its keys; the outbox is nudged. */
  private async afterStatusChange(tenant: Tenant): Promise<void> {
    if (tenant.status === 'cancelled') await this.deps.apiKeys.revokeAllOf(tenant.id, 'tenant_cancelled');
    this.deps.outbox.notify();
  }
}

/**
 * The write of one lifecycle step: the fields and the `tenant.status_changed` event that go into one
 * versioned update. 409 for a transition the lifecycle does not allow, whoever asks.
 */
function statusChange(
  current: Tenant,
  to: TenantStatus,
  how: { reason?: string | undefined; changedBy: 'admin' | 'system' },
  now: Date,
): { fields: Partial<TenantFields>; event: TenantryEventOf<'tenant.status_changed'> } {
  assertTransition(current.id, current.status, to);
  const event = tenantEvent(
    'tenant.status_changed',
    current.id,
    {
      tenant_id: current.id,
      from: current.status,
      to,
      ...(how.reason ? { reason: how.reason } : {}),
      changed_by: how.changedBy,
      changed_at: now.toISOString(),
      revision: revisionAfterWrite(current),
    },
    now,
  );
  return { fields: { status: to, statusReason: how.reason, statusChangedAt: now }, event };
}

/** The version persistence gives a newly inserted document. */
const FIRST_VERSION = 1;

/**
 * A tenant event's `revision`: the version of the tenant document once the versioned write carrying
 * the event commits, so the tenant's events are numbered in commit order whatever topic they travel on.
 */
function revisionAfterWrite(current: Tenant): number {
  return current.version + 1;
}

/** Where a subscription's lifecycle step takes a tenant now in `status`; undefined when it stays. */
function statusAfterSubscriptionStep(status: TenantStatus, step: SubscriptionChange['lifecycle']): 'active' | 'cancelled' | undefined {
  // A paid subscription ends the tenant's trial; a suspended tenant stays suspended (the admin's call).
  if (step === 'activated') return status === 'trial' ? 'active' : undefined;
  if (step === 'cancelled') return canTransition(status, 'cancelled') ? 'cancelled' : undefined;
  return undefined;
}

/** Only the fields whose value differs. `billing_email: null` means "remove it". */
function changesOf(current: Tenant, input: UpdateTenantRequest): TenantChanges {
  const changes: TenantChanges = {};
  if (input.name !== undefined && input.name !== current.name) changes.name = input.name;
  if (input.metadata !== undefined && !sameRecord(input.metadata, current.metadata)) changes.metadata = input.metadata;
  const settings = input.settings ?? {};
  if (settings.timezone !== undefined && settings.timezone !== current.timezone) changes.timezone = settings.timezone;
  if (settings.billing_email !== undefined && settings.billing_email !== (current.billingEmail ?? null))
    changes.billing_email = settings.billing_email;
  return changes;
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `ten_` + time-ordered base-36 milliseconds + 10 random characters. */
function newTenantId(): string {
  let random = '';
  for (let i = 0; i < 10; i += 1) random += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return `ten_${Date.now().toString(36).padStart(9, '0')}${random}`;
}
