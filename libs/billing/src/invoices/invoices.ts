import { ConflictError, NotFoundError, type InvoiceView, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import { withQueryCursor, type Page } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { IssuedDocument } from '../subscriptions/account-transition';
import type { InvoiceFields, InvoiceRepository } from './invoice.collection';
import { toInvoiceView } from './invoice-view';
import type { PaymentProvider } from './payment-provider';

export const INVOICES_CONSUMER_GROUP = 'billing-invoices';

/**
 * Invoice documents: written right after the account write that issued them, and again from their
 * `invoice.issued` event (the same id, so once), which also hands each one to the payment provider.
 */
export class Invoices {
  constructor(private readonly deps: { invoices: InvoiceRepository; payments: PaymentProvider; logger: Logger }) {}

  /** Stores issued documents; one that is already there (written by the projection first) is left as is. */
  async store(tenantId: string, documents: readonly IssuedDocument[]): Promise<void> {
    for (const document of documents) await this.insertOnce(tenantId, document.id, document.fields);
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
    await this.insertOnce(data.tenantId, data.invoiceId, fields);
    const outcome = await this.deps.payments.settle({
      documentId: data.invoiceId,
      tenantId: data.tenantId,
      number: data.number,
      documentType: data.documentType,
      totalCents: data.totalCents,
      currency: data.currency,
      dueAt: fields.dueAt,
    });
    if (outcome === 'paid') await this.deps.invoices.update(data.tenantId, data.invoiceId, { status: 'paid' });
  }

  async get(tenantId: string, invoiceId: string): Promise<InvoiceView> {
    const invoice = await this.deps.invoices.findById(tenantId, invoiceId);
    if (!invoice) throw new NotFoundError(`Invoice ${invoiceId} not found.`);
    return toInvoiceView(tenantId, invoice, invoice);
  }

  /** Newest first. */
  async list(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<InvoiceView>> {
    const found = await withQueryCursor(() => this.deps.invoices.list(tenantId, { limit: page.limit, sort: 'desc', ...(page.cursor ? { cursor: page.cursor } : {}) }));
    return { items: found.items.map((invoice) => toInvoiceView(tenantId, invoice, invoice)), nextCursor: found.nextCursor };
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
    documentType: data.documentType,
    reason: data.reason,
    status: data.documentType === 'invoice' ? 'open' : 'issued',
    ...(data.subscriptionId ? { subscriptionId: data.subscriptionId } : {}),
    currency: 'EUR',
    periodStart: new Date(data.period.start),
    periodEnd: new Date(data.period.end),
    lines: data.lines.map(({ period, ...line }) => ({ ...line, ...(period ? { periodStart: new Date(period.start), periodEnd: new Date(period.end) } : {}) })),
    subtotalCents: data.subtotalCents,
    totalCents: data.totalCents,
    issuedAt: new Date(data.issuedAt),
    ...(data.dueAt ? { dueAt: new Date(data.dueAt) } : {}),
  };
}
