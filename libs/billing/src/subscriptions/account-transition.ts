import type { CloudEvent, EventDataInput, EventType } from '@tenantry/contracts';
import type { DomainEventFactory } from '@tenantry/event-bus';
import { generateId } from '@tenantry/persistence';
import { MAX_KEPT_SUBSCRIPTIONS, type AccountFields, type SubscriptionState } from '../accounts/account.collection';
import { settle, type LineDraft, type Period } from '../domain';
import { INVOICE_ID_PREFIX, type InvoiceFields } from '../invoices/invoice.collection';
import { linesOf } from '../invoices/invoice-view';
import { applyPendingCredits, type SlaCreditLedger } from '../sla-credits/sla-credit-ledger';

export type SubscriptionEventType = Extract<EventType, `subscription.${string}`>;
type EmittedData<T extends SubscriptionEventType> = Omit<EventDataInput<T>, 'revision' | 'tenant_id'>;

/** An invoice or credit note issued by a transition: written as a document after the account write. */
export interface IssuedDocument {
  id: string;
  fields: InvoiceFields;
}

/** An invoice of the tenant that is not paid yet, and what is still due on it. */
export interface UnpaidInvoice {
  id: string;
  subscriptionId: string | undefined;
  amountDueCents: number;
}

export interface InvoiceDraft {
  reason: InvoiceFields['reason'];
  subscriptionId: string;
  period: Period;
  lines: readonly LineDraft[];
}

/** Days an invoice is payable in. */
const PAYMENT_TERMS_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The changes one billing operation makes to an account, collected before anything is written: the
 * subscriptions, the events (each subscription event takes the next revision), the invoices (each takes
 * the next number and settles against the credit balance). `fields()` and `events()` then go into ONE
 * account write, so a change never commits without its events and numbers never skip or repeat.
 */
export class AccountTransition {
  private subscriptions: SubscriptionState[];
  private currentSubscriptionId: string | undefined;
  private revision: number;
  private creditBalanceCents: number;
  private invoiceSequence: number;
  private slaCredits: SlaCreditLedger | undefined;
  private readonly emitted: CloudEvent[] = [];
  private readonly issued: IssuedDocument[] = [];
  /** Newest first; a credit note reduces its subscription's first one before it adds to the balance. */
  private readonly unpaid: UnpaidInvoice[];
  private readonly startedIds: string[] = [];

  constructor(
    private readonly tenantId: string,
    account: AccountFields,
    private readonly now: Date,
    private readonly newEvent: DomainEventFactory,
    unpaid: readonly UnpaidInvoice[] = [],
  ) {
    this.unpaid = unpaid.map((invoice) => ({ ...invoice }));
    this.subscriptions = account.subscriptions.map((subscription) => ({ ...subscription }));
    this.currentSubscriptionId = account.currentSubscriptionId;
    this.revision = account.revision;
    this.creditBalanceCents = account.creditBalanceCents;
    this.invoiceSequence = account.invoiceSequence;
    this.slaCredits = account.slaCredits;
  }

  get current(): SubscriptionState | undefined {
    return this.subscriptions.find((subscription) => subscription.id === this.currentSubscriptionId);
  }

  find(subscriptionId: string): SubscriptionState | undefined {
    return this.subscriptions.find((subscription) => subscription.id === subscriptionId);
  }

  /** Adds a new live subscription (the previous one must have ended). */
  start(subscription: SubscriptionState): void {
    this.subscriptions = [...this.subscriptions, subscription];
    const excess = this.subscriptions.length - MAX_KEPT_SUBSCRIPTIONS;
    if (excess > 0) this.subscriptions = this.subscriptions.filter((kept, i) => kept.status !== 'cancelled' || i >= excess);
    this.currentSubscriptionId = subscription.id;
    this.startedIds.push(subscription.id);
  }

  /** The subscriptions this transition started (to index once it is committed). */
  started(): readonly string[] {
    return this.startedIds;
  }

  /** Replaces the subscription's state; a cancelled one stops being the live one. */
  put(subscription: SubscriptionState): void {
    this.subscriptions = this.subscriptions.map((kept) => (kept.id === subscription.id ? subscription : kept));
    if (subscription.status === 'cancelled' && this.currentSubscriptionId === subscription.id) this.currentSubscriptionId = undefined;
  }

  /** Emits a subscription event about this tenant with the next revision. */
  emit<T extends SubscriptionEventType>(type: T, data: EmittedData<T>): void {
    this.revision += 1;
    this.emitted.push(
      this.newEvent(type, this.tenantId, { ...data, tenant_id: this.tenantId, revision: this.revision } as EventDataInput<T>, this.now),
    );
  }

  /**
   * Issues an invoice (or a credit note, when the lines sum below zero) against the credit balance, with
   * the pending SLA credits. A credit note first reduces what is due on the unpaid invoices of its
   * subscription, newest first (the document names them); only the rest goes to the balance. The invoices
   * themselves are updated after the account write (`Invoices.store`, or the projection of this credit
   * note's event).
   */
  issue(draft: InvoiceDraft): IssuedDocument {
    const slaCredits = applyPendingCredits(this.slaCredits);
    this.slaCredits = slaCredits.ledger;
    const credited = this.unpaid.filter((invoice) => invoice.subscriptionId === draft.subscriptionId && invoice.amountDueCents > 0);
    const settlement = settle(
      [...draft.lines, ...slaCredits.lines],
      this.creditBalanceCents,
      credited.map((invoice) => invoice.amountDueCents),
    );
    this.creditBalanceCents = settlement.creditBalanceCents;
    const appliedTo = credited.flatMap((invoice, index) => {
      const cents = settlement.invoiceCreditsCents[index] ?? 0;
      invoice.amountDueCents -= cents;
      return cents > 0 ? [{ invoiceId: invoice.id, cents }] : [];
    });
    this.invoiceSequence += 1;
    const id = generateId(INVOICE_ID_PREFIX);
    const isInvoice = settlement.documentType === 'invoice';
    const fields: InvoiceFields = {
      number: invoiceNumber(this.tenantId, this.invoiceSequence),
      documentType: settlement.documentType,
      reason: draft.reason,
      status: isInvoice ? 'open' : 'issued',
      subscriptionId: draft.subscriptionId,
      currency: 'EUR',
      periodStart: draft.period.start,
      periodEnd: draft.period.end,
      lines: settlement.lines.map(({ period, ...line }) => ({
        ...line,
        ...(period ? { periodStart: period.start, periodEnd: period.end } : {}),
      })),
      subtotalCents: settlement.subtotalCents,
      totalCents: settlement.totalCents,
      issuedAt: this.now,
      ...(isInvoice ? { dueAt: new Date(this.now.getTime() + PAYMENT_TERMS_DAYS * DAY_MS) } : {}),
      ...(appliedTo.length > 0 ? { appliedTo } : {}),
    };
    if (isInvoice && settlement.totalCents > 0)
      this.unpaid.unshift({ id, subscriptionId: draft.subscriptionId, amountDueCents: settlement.totalCents });
    const document = { id, fields };
    this.issued.push(document);
    this.emitted.push(this.newEvent('invoice.issued', this.tenantId, invoiceIssuedData(this.tenantId, document), this.now));
    return document;
  }

  /** The account's new fields; `undefined` values remove a field (the live subscription ended, nothing is due). */
  fields(): Omit<AccountFields, 'tenant'> {
    const current = this.current;
    return {
      subscriptions: this.subscriptions,
      currentSubscriptionId: this.currentSubscriptionId,
      revision: this.revision,
      creditBalanceCents: this.creditBalanceCents,
      invoiceSequence: this.invoiceSequence,
      dueAt: current && current.status !== 'cancelled' ? dueAtOf(current) : undefined,
      slaCredits: this.slaCredits,
    };
  }

  events(): readonly CloudEvent[] {
    return this.emitted;
  }

  documents(): readonly IssuedDocument[] {
    return this.issued;
  }
}

/** The next moment the scheduler must act on a live subscription: its trial end or its period end. */
function dueAtOf(subscription: SubscriptionState): Date {
  return subscription.status === 'trialing' && subscription.trialEndsAt ? subscription.trialEndsAt : subscription.periodEnd;
}

/** `<last 8 characters of the tenant id, upper case>-<sequence, 4+ digits>`: sequential per tenant and readable on a statement. */
export function invoiceNumber(tenantId: string, sequence: number): string {
  const prefix = tenantId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-8)
    .toUpperCase();
  return `${prefix}-${String(sequence).padStart(4, '0')}`;
}

export function invoiceIssuedData(tenantId: string, document: IssuedDocument): EventDataInput<'invoice.issued'> {
  const { fields } = document;
  return {
    tenant_id: tenantId,
    invoice_id: document.id,
    number: fields.number,
    document_type: fields.documentType,
    reason: fields.reason,
    ...(fields.subscriptionId ? { subscription_id: fields.subscriptionId } : {}),
    currency: fields.currency,
    period: { start: fields.periodStart.toISOString(), end: fields.periodEnd.toISOString() },
    lines: linesOf(fields),
    subtotal_cents: fields.subtotalCents,
    total_cents: fields.totalCents,
    issued_at: fields.issuedAt.toISOString(),
    ...(fields.dueAt ? { due_at: fields.dueAt.toISOString() } : {}),
    ...(fields.appliedTo
      ? { applied_to_invoices: fields.appliedTo.map(({ invoiceId, cents }) => ({ invoice_id: invoiceId, amount_cents: cents })) }
      : {}),
  };
}
