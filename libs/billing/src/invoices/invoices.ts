import {
  ConflictError,
  NotFoundError,
  ValidationFailedError,
  type EventData,
  type InvoiceView,
  type TenantryEventOf,
} from '@tenantry/contracts';
import {
  DEFAULT_RETRY_POLICY,
  type DomainEventFactory,
  type EventBus,
  type OutboxNotifier,
  type ProcessedEventStore,
  type Subscription,
} from '@tenantry/event-bus';
import { withQueryCursor, type Page } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { IssuedDocument, UnpaidInvoice } from '../subscriptions/account-transition';
import { amountDueOf, type Invoice, type InvoiceFields, type InvoiceRepository } from './invoice.collection';
import { toInvoiceView } from './invoice-view';
import type { PaymentProvider } from './payment-provider';

export const INVOICES_CONSUMER_GROUP = 'billing-invoices';

/**
 * Invoice documents: written right after the account write that issued them, and again from their
 * `invoice.issued` event (the same id, so once), which also hands each one to the payment provider.
 */
/** A concurrent change of the same invoice (the projection and the admin at once) is re-read this often. */
const MAX_WRITE_ATTEMPTS = 3;

export interface Payment {
  method: EventData<'invoice.paid'>['method'];
  /** Default: now. */
  paidAt?: Date | undefined;
  reference?: string | undefined;
}

export class Invoices {
  constructor(
    private readonly deps: {
      invoices: InvoiceRepository;
      payments: PaymentProvider;
      newEvent: DomainEventFactory;
      outbox: OutboxNotifier;
      clock: () => Date;
      logger: Logger;
    },
  ) {}

  /**
   * Stores issued documents; one that is already there (written by the projection first) is left as is.
   * A credit note then takes its part off the invoice it credits.
   */
  async store(tenantId: string, documents: readonly IssuedDocument[]): Promise<void> {
    for (const document of documents) {
      await this.insertOnce(tenantId, document.id, document.fields);
      for (const { invoiceId, cents } of document.fields.appliedTo ?? []) await this.applyCredit(tenantId, invoiceId, document.id, cents);
    }
  }

  /**
   * The tenant's invoices not paid yet, newest first, with what is still due on each: what a credit note
   * reduces before it adds to the balance. The newest 100 documents are looked at (older unpaid ones are
   * for collection, not for crediting).
   */
  async unpaidOf(tenantId: string): Promise<UnpaidInvoice[]> {
    const recent = await this.deps.invoices.list(tenantId, { limit: 100, sort: 'desc' });
    return recent.items
      .filter((invoice) => amountDueOf(invoice) > 0)
      .map((invoice) => ({ id: invoice.id, subscriptionId: invoice.subscriptionId, amountDueCents: amountDueOf(invoice) }));
  }

  subscribe(bus: EventBus, processedEvents: ProcessedEventStore): Promise<Subscription> {
    return bus.subscribe({
      groupId: INVOICES_CONSUMER_GROUP,
      eventTypes: ['invoice.issued'],
      retry: DEFAULT_RETRY_POLICY,
      processedEvents,
      handler: (event) => this.project(event),
    });
  }

  /** The projection of one `invoice.issued`: the document exists afterwards, and the payment provider has seen it. */
  async project(event: TenantryEventOf<'invoice.issued'>): Promise<void> {
    const { data } = event;
    const fields = fieldsOf(data);
    await this.insertOnce(data.tenant_id, data.invoice_id, fields);
    for (const { invoice_id, amount_cents } of data.applied_to_invoices ?? [])
      await this.applyCredit(data.tenant_id, invoice_id, data.invoice_id, amount_cents);
    const outcome = await this.deps.payments.settle({
      documentId: data.invoice_id,
      tenantId: data.tenant_id,
      number: data.number,
      documentType: data.document_type,
      // Only what is to be paid: an invoice less the credit notes applied to it since it was issued; a
      // credit note less what it took off unpaid invoices (only the rest may be refunded).
      totalCents:
        data.document_type === 'invoice'
          ? await this.amountDue(data.tenant_id, data.invoice_id)
          : data.total_cents + (data.applied_to_invoices ?? []).reduce((sum, applied) => sum + applied.amount_cents, 0),
      currency: data.currency,
      dueAt: fields.dueAt,
    });
    // A redelivered event finds it paid already: nothing more to record.
    if (outcome === 'paid')
      await this.recordPayment(data.tenant_id, data.invoice_id, { method: data.total_cents === 0 ? 'credit_balance' : 'provider' });
  }

  private async amountDue(tenantId: string, invoiceId: string): Promise<number> {
    const invoice = await this.deps.invoices.findById(tenantId, invoiceId);
    if (!invoice) throw new NotFoundError(`Invoice ${invoiceId} not found.`);
    return amountDueOf(invoice);
  }

  /**
   * `POST /invoices/{id}/mark-paid` (platform admin): an invoice paid outside the platform, open or
   * overdue. 409 for a credit note or an invoice already paid; 400 for a `paid_at` in the future or before the invoice.
   */
  async markPaid(tenantId: string, invoiceId: string, payment: Payment): Promise<InvoiceView> {
    const outcome = await this.recordPayment(tenantId, invoiceId, payment);
    if (outcome.state === 'already_paid') {
      const { invoice } = outcome;
      throw new ConflictError(`Invoice ${invoice.number} was already paid${invoice.paidAt ? ` at ${invoice.paidAt.toISOString()}` : ''}.`, {
        invoice_id: invoiceId,
        paid_at: invoice.paidAt?.toISOString() ?? null,
      });
    }
    return toInvoiceView(tenantId, outcome.invoice, outcome.invoice);
  }

  /** Sets the invoice paid and publishes `invoice.paid`, in one write; an invoice paid already is left as it is. */
  private async recordPayment(
    tenantId: string,
    invoiceId: string,
    payment: Payment,
  ): Promise<{ state: 'paid' | 'already_paid'; invoice: Invoice }> {
    for (let attempt = 1; ; attempt += 1) {
      const invoice = await this.deps.invoices.findById(tenantId, invoiceId);
      if (!invoice) throw new NotFoundError(`Invoice ${invoiceId} not found.`);
      if (invoice.documentType !== 'invoice')
        throw new ConflictError(`${invoice.number} is a credit note: there is nothing to pay.`, { invoice_id: invoiceId });
      if (invoice.status === 'paid') return { state: 'already_paid', invoice };
      const now = this.deps.clock();
      const paidAt = payment.paidAt ?? now;
      if (paidAt > now || paidAt < invoice.issuedAt) {
        throw new ValidationFailedError(`paid_at must be between the invoice's issue (${invoice.issuedAt.toISOString()}) and now.`, [
          { field: 'paid_at', message: paidAt > now ? 'Must not be in the future' : 'Must not be before the invoice was issued' },
        ]);
      }
      const event = this.deps.newEvent(
        'invoice.paid',
        tenantId,
        {
          tenant_id: tenantId,
          invoice_id: invoiceId,
          number: invoice.number,
          amount_cents: amountDueOf(invoice),
          currency: invoice.currency,
          paid_at: paidAt.toISOString(),
          method: payment.method,
          ...(payment.reference ? { reference: payment.reference } : {}),
        },
        now,
      );
      try {
        const paid = await this.deps.invoices.update(
          tenantId,
          invoiceId,
          { status: 'paid', paidAt, ...(payment.reference ? { paymentReference: payment.reference } : {}) },
          { expectedVersion: invoice.version, events: [event] },
        );
        this.deps.outbox.notify();
        return { state: 'paid', invoice: paid };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The scheduler's pass: invoices still `open` after their `dueAt` become `overdue`, each with its
   * `invoice.overdue` event in the same write. Replicas may run it at once: the write is conditional on
   * the version read, so one of them marks each invoice and publishes its event.
   */
  async markOverdue(limit: number): Promise<number> {
    const now = this.deps.clock();
    const due = await this.deps.invoices.admin.listAcrossTenants({ filter: { status: 'open', dueAt: { $lte: now } }, limit });
    let marked = 0;
    for (const invoice of due.items) {
      const event = this.deps.newEvent(
        'invoice.overdue',
        invoice.tenantId,
        {
          tenant_id: invoice.tenantId,
          invoice_id: invoice.id,
          number: invoice.number,
          amount_cents: amountDueOf(invoice),
          currency: invoice.currency,
          due_at: (invoice.dueAt ?? now).toISOString(),
        },
        now,
      );
      try {
        await this.deps.invoices.update(
          invoice.tenantId,
          invoice.id,
          { status: 'overdue' },
          { expectedVersion: invoice.version, events: [event] },
        );
        marked += 1;
      } catch (error) {
        // Paid, or marked by another replica, since it was listed: nothing left to do for it.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    if (marked > 0) this.deps.outbox.notify();
    return marked;
  }

  /**
   * Takes a credit note's part off the invoice it credits, once (by credit note id): the invoice whose
   * amount due reaches 0 is paid, with its `invoice.paid` in the same write. The account write that
   * issued the credit note counted on it; should the invoice have been paid in between (a payment racing
   * the plan change), the part is not applied twice and the conflict is logged for the operator.
   */
  private async applyCredit(tenantId: string, invoiceId: string, creditNoteId: string, cents: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const invoice = await this.deps.invoices.findById(tenantId, invoiceId);
      if (!invoice) throw new NotFoundError(`Invoice ${invoiceId}, credited by ${creditNoteId}, not found.`);
      if (invoice.creditNoteIds?.includes(creditNoteId)) return;
      if (invoice.status === 'paid') {
        this.deps.logger.error(
          { tenantId, invoiceId, creditNoteId, cents },
          'a credit note was issued against an invoice paid meanwhile; its part is owed to the tenant',
        );
        return;
      }
      const creditedCents = (invoice.creditedCents ?? 0) + cents;
      const covered = creditedCents >= invoice.totalCents;
      const now = this.deps.clock();
      const events = covered
        ? [
            this.deps.newEvent(
              'invoice.paid',
              tenantId,
              {
                tenant_id: tenantId,
                invoice_id: invoiceId,
                number: invoice.number,
                amount_cents: amountDueOf(invoice),
                currency: invoice.currency,
                paid_at: now.toISOString(),
                method: 'credit_balance',
                reference: creditNoteId,
              },
              now,
            ),
          ]
        : [];
      try {
        await this.deps.invoices.update(
          tenantId,
          invoiceId,
          {
            creditedCents,
            creditNoteIds: [...(invoice.creditNoteIds ?? []), creditNoteId],
            ...(covered ? { status: 'paid' as const, paidAt: now, paymentReference: creditNoteId } : {}),
          },
          { expectedVersion: invoice.version, events },
        );
        if (covered) this.deps.outbox.notify();
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  async get(tenantId: string, invoiceId: string): Promise<InvoiceView> {
    const invoice = await this.deps.invoices.findById(tenantId, invoiceId);
    if (!invoice) throw new NotFoundError(`Invoice ${invoiceId} not found.`);
    return toInvoiceView(tenantId, invoice, invoice);
  }

  /** Newest first; only those with `status` when given. */
  async list(
    tenantId: string,
    page: { limit: number; cursor?: string | undefined; status?: InvoiceFields['status'] | undefined },
  ): Promise<Page<InvoiceView>> {
    const found = await withQueryCursor(() =>
      this.deps.invoices.list(tenantId, {
        limit: page.limit,
        sort: 'desc',
        ...(page.status ? { filter: { status: page.status } } : {}),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      }),
    );
    return { items: found.items.map((invoice) => toInvoiceView(tenantId, invoice, invoice)), next_cursor: found.nextCursor };
  }

  /** The tenant of an invoice, for the platform admin who reads one by id alone. */
  async tenantOf(invoiceId: string): Promise<string | null> {
    return (await this.deps.invoices.admin.findByIdAcrossTenants(invoiceId))?.tenantId ?? null;
  }

  private async insertOnce(tenantId: string, id: string, fields: InvoiceFields): Promise<void> {
    try {
      await this.deps.invoices.insert(tenantId, fields, { id });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}

function fieldsOf(data: TenantryEventOf<'invoice.issued'>['data']): InvoiceFields {
  return {
    number: data.number,
    documentType: data.document_type,
    reason: data.reason,
    status: data.document_type === 'invoice' ? 'open' : 'issued',
    ...(data.subscription_id ? { subscriptionId: data.subscription_id } : {}),
    currency: 'EUR',
    periodStart: new Date(data.period.start),
    periodEnd: new Date(data.period.end),
    lines: data.lines.map(({ period, ...line }) => ({
      kind: line.kind,
      description: line.description,
      quantity: line.quantity,
      unitAmountCents: line.unit_amount_cents,
      amountCents: line.amount_cents,
      ...(period ? { periodStart: new Date(period.start), periodEnd: new Date(period.end) } : {}),
    })),
    subtotalCents: data.subtotal_cents,
    totalCents: data.total_cents,
    issuedAt: new Date(data.issued_at),
    ...(data.due_at ? { dueAt: new Date(data.due_at) } : {}),
    ...(data.applied_to_invoices
      ? { appliedTo: data.applied_to_invoices.map((applied) => ({ invoiceId: applied.invoice_id, cents: applied.amount_cents })) }
      : {}),
  };
}
