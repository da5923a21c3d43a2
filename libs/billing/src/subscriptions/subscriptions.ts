import {
  ConflictError,
  NotFoundError,
  type CancelSubscriptionRequest,
  type ChangeSubscriptionRequest,
  type InvoiceView,
  type SubscribeRequest,
  type SubscriptionChangeResult,
  type SubscriptionView,
  type TenantStatus,
  type TrialEndBehavior,
  type UpcomingInvoice,
} from '@tenantry/contracts';
import type { DomainEventFactory, OutboxNotifier } from '@tenantry/event-bus';
import { generateId } from '@tenantry/persistence';
import type { Logger } from '@tenantry/telemetry';
import {
  currentSubscription,
  type Account,
  type AccountFields,
  type AccountRepository,
  type SubscriptionIndexRepository,
} from '../accounts/account.collection';
import type { Pricing } from '../domain';
import type { Invoices } from '../invoices/invoices';
import { toInvoiceView } from '../invoices/invoice-view';
import { LOST_RACE, untilWritten, written } from '../accounts/conditional-writes';
import { AccountTransition, type IssuedDocument, type UnpaidInvoice } from './account-transition';
import { awaitsCreation, followed, sameTenant, type TenantFacts } from './tenant-facts';
import { activate, advance, cancel, changePlan, startPaid, startTrial, withdrawPendingChange, type OverageLines } from './lifecycle';
import { toSubscriptionView } from './subscription-view';

export const SUBSCRIPTION_ID_PREFIX = 'sub_';
const TRIAL_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionsDeps {
  accounts: AccountRepository;
  index: SubscriptionIndexRepository;
  invoices: Invoices;
  outbox: OutboxNotifier;
  pricing: Pricing;
  overageLines: (tenantId: string, timezone: string) => OverageLines;
  newEvent: DomainEventFactory;
  logger: Logger;
  clock: () => Date;
  /** What a trial does at its end unless the tenant says otherwise. */
  defaultTrialEndBehavior: TrialEndBehavior;
}

interface Outcome<R> {
  result: R;
  documents: readonly IssuedDocument[];
}

/**
 * Billing accounts and their subscriptions: created from `tenant.created`, changed through the API and
 * advanced by the scheduler. Every operation reads the account, applies the lifecycle rules to an
 * AccountTransition and commits it in one conditional write (retrying on a concurrent change).
 */
export class Subscriptions {
  constructor(private readonly deps: SubscriptionsDeps) {}

  /**
   * What a tenant event says (`tenant.created`, `tenant.updated`, `tenant.status_changed`), applied
   * whatever order they arrive in: the account is created by whichever comes first, each tenant field
   * follows its newest revision (tenant-facts.ts), the trial opens once `tenant.created` has been seen,
   * and a cancelled tenant's live subscription is cancelled at once (with its credit note) in the same
   * write — so a cancellation that overtook the creation still ends the trial before anything is billed.
   * A duplicate or overtaken event writes nothing.
   */
  async followTenant(facts: TenantFacts): Promise<void> {
    const { accounts, clock } = this.deps;
    const tenantId = facts.tenantId;
    await untilWritten(`The billing account of ${tenantId}`, async () => {
      const account = await accounts.findById(tenantId, tenantId);
      const now = clock();
      const tenant = followed(account?.tenant, facts);
      const t = account ? await this.caughtUp(tenantId, account, now) : this.transition(tenantId, emptyAccount(tenant), now);
      if (facts.opening && awaitsCreation(account) && !t.current) this.openTrial(t, facts.opening, now);
      const live = t.current;
      if (tenant.status === 'cancelled' && live) {
        await cancel(t, live, {
          timing: 'immediate',
          reason: 'tenant cancelled',
          now,
          pricing: this.deps.pricing,
          overageLines: this.deps.overageLines(tenantId, tenant.timezone),
        });
      }
      const fields = t.fields();
      if (account && sameTenant(account.tenant, tenant) && t.events().length === 0 && sameSubscriptions(account, fields))
        return 'unchanged';
      // Another member (or the scheduler) may write the account in between: then the facts are applied to what it wrote.
      const write = account
        ? accounts.update(tenantId, tenantId, { ...fields, tenant }, { expectedVersion: account.version, events: t.events() })
        : accounts.insert(tenantId, withoutUndefined({ ...emptyAccount(tenant), ...fields }), { id: tenantId, events: t.events() });
      if ((await written(write)) === LOST_RACE) return LOST_RACE;
      await this.afterCommit(tenantId, t);
      return 'applied';
    });
  }

  private openTrial(t: AccountTransition, opening: NonNullable<TenantFacts['opening']>, now: Date): void {
    const trialEndsAt = opening.trialEndsAt ? new Date(opening.trialEndsAt) : new Date(now.getTime() + TRIAL_DAYS * DAY_MS);
    startTrial(t, {
      id: generateId(SUBSCRIPTION_ID_PREFIX),
      planId: opening.tier,
      trialEndsAt: trialEndsAt > now ? trialEndsAt : now,
      trialEndBehavior: this.deps.defaultTrialEndBehavior,
      now,
    });
  }

  /**
   * What follows a committed account write: the relay is nudged, the index learns the subscriptions the
   * write started (only now, so no entry ever names a subscription that was not committed: a retried
   * callback or a crash in between leaves no orphan), and the issued documents are stored (the
   * committed invoice.issued event stores them too). A crash between the commit and the index write
   * leaves the subscription reachable through its tenant but not by id alone.
   */
  private async afterCommit(tenantId: string, t: AccountTransition): Promise<void> {
    this.deps.outbox.notify();
    for (const id of t.started()) {
      await this.deps.index.insert(tenantId, {}, { id }).catch((error: unknown) => {
        if (!(error instanceof ConflictError))
          this.deps.logger.warn({ err: error, tenantId, subscriptionId: id }, 'indexing a new subscription failed');
      });
    }
    await this.deps.invoices.store(tenantId, t.documents()).catch((error: unknown) => {
      // The committed invoice.issued event stores it through the projection.
      this.deps.logger.warn({ err: error, tenantId }, 'storing an issued invoice failed; its event will store it');
    });
  }

  /**
   * `POST /subscribe`: a paid subscription from now when the tenant has none live, or the early end of
   * its trial on the chosen plan and interval. An active subscription is changed through `/change` (409).
   */
  async subscribe(tenantId: string, request: SubscribeRequest): Promise<{ subscription: SubscriptionView; invoice: InvoiceView }> {
    const term = { planId: request.plan_id, interval: request.interval };
    const { result } = await this.commit(tenantId, (t, account, now) => {
      assertTenantMayBeBilled(tenantId, account.tenant.status);
      const live = t.current;
      if (live?.status === 'active') {
        throw new ConflictError(
          `Tenant ${tenantId} already has the active subscription ${live.id}: change it with POST /subscriptions/${live.id}/change.`,
          {
            subscription_id: live.id,
          },
        );
      }
      if (live) {
        const trial = request.trial_end_behavior ? { ...live, trialEndBehavior: request.trial_end_behavior } : live;
        return Promise.resolve({ id: live.id, document: activate(t, trial, term, now, this.deps.pricing) });
      }
      const id = generateId(SUBSCRIPTION_ID_PREFIX);
      const document = startPaid(t, {
        id,
        term,
        trialEndBehavior: request.trial_end_behavior ?? this.deps.defaultTrialEndBehavior,
        now,
        pricing: this.deps.pricing,
      });
      return Promise.resolve({ id, document });
    });
    const { id, document } = result;
    const account = await this.account(tenantId);
    const subscription = account.subscriptions.find((kept) => kept.id === id);
    if (!subscription) throw new Error('unreachable: a subscription just committed is missing');
    return { subscription: toSubscriptionView(tenantId, subscription), invoice: toInvoiceView(tenantId, document.fields, document) };
  }

  /** `POST /subscriptions/{id}/change`; with `preview` nothing is written and the invoice is a draft. */
  async change(
    tenantId: string,
    subscriptionId: string,
    request: ChangeSubscriptionRequest,
    preview: boolean,
  ): Promise<SubscriptionChangeResult> {
    const run = async (t: AccountTransition, account: Account, now: Date) => {
      assertTenantMayBeBilled(tenantId, account.tenant.status);
      const subscription = liveSubscription(t, subscriptionId);
      const to = { planId: request.plan_id ?? subscription.planId, interval: request.interval ?? subscription.interval };
      return changePlan(t, subscription, to, request.timing, now, this.deps.pricing);
    };
    const { result: outcome, subscription } = preview
      ? await this.dryRun(tenantId, subscriptionId, run)
      : await this.commitAndRead(tenantId, subscriptionId, run);
    const document = outcome.document;
    return {
      preview,
      kind: outcome.kind,
      timing: outcome.timing,
      effective_at: outcome.effectiveAt.toISOString(),
      subscription,
      invoice: document ? toInvoiceView(tenantId, document.fields, preview ? 'draft' : document) : null,
    };
  }

  /** `POST /subscriptions/{id}/cancel`: now (credit note for the unused part) or at the period end. */
  async cancel(
    tenantId: string,
    subscriptionId: string,
    request: CancelSubscriptionRequest,
  ): Promise<{ subscription: SubscriptionView; credit_note: InvoiceView | null }> {
    const { result, subscription } = await this.commitAndRead(tenantId, subscriptionId, (t, account, now) => {
      const live = liveSubscription(t, subscriptionId);
      return cancel(t, live, {
        timing: request.timing,
        reason: request.reason,
        now,
        pricing: this.deps.pricing,
        overageLines: this.overageOf(account),
      });
    });
    const document = result.document;
    return { subscription, credit_note: document ? toInvoiceView(tenantId, document.fields, document) : null };
  }

  /** `DELETE /subscriptions/{id}/pending-change`: the scheduled downgrade, interval change or cancellation is withdrawn. */
  async withdrawPendingChange(tenantId: string, subscriptionId: string): Promise<SubscriptionView> {
    const { result: withdrawn, subscription } = await this.commitAndRead(tenantId, subscriptionId, (t) =>
      withdrawPendingChange(t, liveSubscription(t, subscriptionId)),
    );
    this.deps.logger.info(
      { tenantId, subscriptionId, kind: withdrawn.kind, effectiveAt: withdrawn.effectiveAt },
      'scheduled subscription change withdrawn',
    );
    return subscription;
  }

  /**
   * `GET /subscriptions/{id}/upcoming-invoice`: what the next period end (or trial end) will bill as
   * things stand — the account is caught up to now, then advanced to that boundary, writing nothing.
   * The same code bills it when the time comes, so the draft equals the invoice unless something
   * changes before then (more usage, a plan change).
   */
  async upcomingInvoice(tenantId: string, subscriptionId: string): Promise<UpcomingInvoice> {
    const account = await this.account(tenantId);
    const caughtUp = await this.caughtUp(tenantId, account, this.deps.clock());
    // Not cancelled, so it is the live one: the subscription advance() moves on.
    const live = liveSubscription(caughtUp, subscriptionId);
    const at = live.status === 'trialing' && live.trialEndsAt ? live.trialEndsAt : live.periodEnd;
    const t = this.transition(tenantId, { ...account, ...caughtUp.fields() }, at);
    await advance(t, at, this.deps.pricing, this.overageOf(account));
    const document = t.documents().find((issued) => issued.fields.subscriptionId === subscriptionId);
    return {
      subscription_id: subscriptionId,
      at: at.toISOString(),
      ends_there: t.find(subscriptionId)?.status === 'cancelled',
      invoice: document ? toInvoiceView(tenantId, document.fields, 'draft') : null,
    };
  }

  async get(tenantId: string, subscriptionId: string): Promise<SubscriptionView> {
    const account = await this.deps.accounts.findById(tenantId, tenantId);
    const subscription = account?.subscriptions.find((kept) => kept.id === subscriptionId);
    if (!subscription) throw new NotFoundError(`Subscription ${subscriptionId} not found.`);
    return toSubscriptionView(tenantId, subscription);
  }

  /** The tenant's subscriptions, newest first (the live one, then its history). */
  async list(tenantId: string): Promise<SubscriptionView[]> {
    const account = await this.account(tenantId);
    return [...account.subscriptions].reverse().map((subscription) => toSubscriptionView(tenantId, subscription));
  }

  /** The live subscription's id (for the tenants service's `/upgrade`, which knows only the tenant). */
  async liveSubscriptionId(tenantId: string): Promise<string> {
    const live = currentSubscription(await this.account(tenantId));
    if (!live) throw new NotFoundError(`Tenant ${tenantId} has no live subscription.`);
    return live.id;
  }

  /** The tenant of a subscription, for the platform admin who reads one by id alone. */
  async tenantOf(subscriptionId: string): Promise<string | null> {
    return (await this.deps.index.admin.findByIdAcrossTenants(subscriptionId))?.tenantId ?? null;
  }

  async account(tenantId: string): Promise<Account> {
    const account = await this.deps.accounts.findById(tenantId, tenantId);
    if (!account) throw new NotFoundError(`Tenant ${tenantId} has no billing account.`);
    return account;
  }

  /**
   * The scheduler's pass: every account with something due (trial end, period end) is advanced, oldest
   * due first. Replicas may run it at once: the conditional write lets one of them win each account.
   */
  async advanceDue(limit: number): Promise<number> {
    const now = this.deps.clock();
    const due = await this.deps.accounts.admin.listAcrossTenants({ filter: { dueAt: { $lte: now } }, limit });
    let advanced = 0;
    for (const account of due.items) {
      try {
        await this.advanceAccount(account.tenantId);
        advanced += 1;
      } catch (error) {
        this.deps.logger.warn({ err: error, tenantId: account.tenantId }, 'advancing a billing account failed; the next pass retries it');
      }
    }
    return advanced;
  }

  /** Does what is due on one account (the catching up every commit starts with). */
  async advanceAccount(tenantId: string): Promise<void> {
    await this.commit(tenantId, () => Promise.resolve());
  }

  private overageOf(account: Account): OverageLines {
    return this.deps.overageLines(account.tenantId, account.tenant.timezone);
  }

  private transition(tenantId: string, account: AccountFields, now: Date, unpaid: readonly UnpaidInvoice[] = []): AccountTransition {
    return new AccountTransition(tenantId, account, now, this.deps.newEvent, unpaid);
  }

  /**
   * A transition that first does what fell due since the scheduler's last pass (a renewal, a trial end):
   * every operation then acts on the period that is current now, never on one that has ended.
   */
  private async caughtUp(tenantId: string, account: Account, now: Date): Promise<AccountTransition> {
    // Read with the account: a credit note issued by this operation reduces what is still due on them first.
    const t = this.transition(tenantId, account, now, await this.deps.invoices.unpaidOf(tenantId));
    await advance(t, now, this.deps.pricing, this.overageOf(account));
    return t;
  }

  /** Reads, applies, writes (conditionally, retrying on a concurrent change), then stores the issued documents. */
  private async commit<R>(tenantId: string, apply: (t: AccountTransition, account: Account, now: Date) => Promise<R>): Promise<Outcome<R>> {
    return untilWritten(`The billing account of ${tenantId}`, async () => {
      const account = await this.account(tenantId);
      const now = this.deps.clock();
      const t = await this.caughtUp(tenantId, account, now);
      const result = await apply(t, account, now);
      const fields = t.fields();
      if (t.events().length === 0 && sameSubscriptions(account, fields)) return { result, documents: [] };
      const write = this.deps.accounts.update(tenantId, tenantId, fields, { expectedVersion: account.version, events: t.events() });
      if ((await written(write)) === LOST_RACE) return LOST_RACE;
      await this.afterCommit(tenantId, t);
      return { result, documents: t.documents() };
    });
  }

  private async commitAndRead<R>(
    tenantId: string,
    subscriptionId: string,
    apply: (t: AccountTransition, account: Account, now: Date) => Promise<R> | R,
  ) {
    const outcome = await this.commit(tenantId, async (t, account, now) => apply(t, account, now));
    return { ...outcome, subscription: await this.get(tenantId, subscriptionId) };
  }

  /** Applies without writing: what the change would do now. */
  private async dryRun<R>(
    tenantId: string,
    subscriptionId: string,
    apply: (t: AccountTransition, account: Account, now: Date) => Promise<R> | R,
  ) {
    const account = await this.account(tenantId);
    const now = this.deps.clock();
    const t = await this.caughtUp(tenantId, account, now);
    const result = await apply(t, account, now);
    const subscription = t.find(subscriptionId);
    if (!subscription) throw new NotFoundError(`Subscription ${subscriptionId} not found.`);
    return { result, documents: t.documents(), subscription: toSubscriptionView(tenantId, subscription) };
  }
}

function liveSubscription(t: AccountTransition, subscriptionId: string) {
  const subscription = t.find(subscriptionId);
  if (!subscription) throw new NotFoundError(`Subscription ${subscriptionId} not found.`);
  if (subscription.status === 'cancelled')
    throw new ConflictError(`Subscription ${subscriptionId} is cancelled.`, { subscription_id: subscriptionId });
  return subscription;
}

function assertTenantMayBeBilled(tenantId: string, status: TenantStatus): void {
  if (status === 'cancelled') throw new ConflictError(`Tenant ${tenantId} is cancelled.`, { tenant_id: tenantId });
}

function sameSubscriptions(account: AccountFields, fields: Omit<AccountFields, 'tenant'>): boolean {
  return (
    JSON.stringify(account.subscriptions) === JSON.stringify(fields.subscriptions) &&
    account.creditBalanceCents === fields.creditBalanceCents
  );
}

/** A new account, before its first transition. */
function emptyAccount(tenant: AccountFields['tenant']): AccountFields {
  return { tenant, subscriptions: [], revision: 0, creditBalanceCents: 0, invoiceSequence: 0 };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
