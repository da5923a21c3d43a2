import { SUBSCRIPTION_EVENT_TYPES, type EventType, type SubscriptionEventType, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import { alertDocumentId, applyAlertFact } from './alert.collection';
import { alertFactOf } from './alert-events';
import { applyInvoiceFact, invoiceDocumentId } from './invoice.collection';
import { invoiceFactOf } from './invoice-events';
import { usageBatchOf, type UsageBatch } from './metric-recorded';
import { applyPlanChange, planDocumentId } from './plan.collection';
import type { ReadModels } from './read-models';
import { planChangeOf } from './subscription-events';
import { upsertWith } from './upsert';
import { usageCalendarId, withDay } from './usage-calendar.collection';
import { addBatch, usageDayId } from './usage-day.collection';

export const READ_MODELS_CONSUMER_GROUP = 'ai-assistant-read-models';

const INVOICE_EVENT_TYPES = ['invoice.issued', 'invoice.paid', 'invoice.overdue'] as const satisfies readonly EventType[];
export const READ_MODEL_EVENT_TYPES = [
  ...SUBSCRIPTION_EVENT_TYPES,
  ...INVOICE_EVENT_TYPES,
  'metric.recorded',
  'alert.fired',
  'alert.resolved',
] as const satisfies readonly EventType[];
export type ReadModelEvent = TenantryEventOf<(typeof READ_MODEL_EVENT_TYPES)[number]>;

/**
 * Applies one event to the read models. Plans converge by revision, invoices field by field, alerts by
 * episode (keyed by the transition's `fired_at`), usage by addition (which commutes): the order of events across topics never changes the result. Usage is not
 * idempotent by itself, so the subscription skips redelivered event ids (processed-event store).
 */
export async function applyEvent(models: ReadModels, event: ReadModelEvent): Promise<void> {
  switch (event.type) {
    case 'metric.recorded':
      return addUsage(models, usageBatchOf(event));
    case 'invoice.issued':
    case 'invoice.paid':
    case 'invoice.overdue': {
      const fact = invoiceFactOf(event);
      await upsertWith(models.invoices, fact.tenant_id, invoiceDocumentId(fact.invoice_id), (current) => applyInvoiceFact(current, fact));
      return;
    }
    case 'alert.fired':
    case 'alert.resolved': {
      const fact = alertFactOf(event);
      await upsertWith(models.alerts, fact.owner, alertDocumentId(fact.alert_id), (current) => applyAlertFact(current, fact));
      return;
    }
    default: {
      const change = planChangeOf(event as TenantryEventOf<SubscriptionEventType>);
      await upsertWith(models.plans, change.tenant_id, planDocumentId(change.tenant_id), (current) => applyPlanChange(current, change));
    }
  }
}

/**
 * Adds a batch to the tenant's day, the day to the tenant's calendar first: a day is never written
 * without its calendar entry (a crash in between redelivers the event, and the calendar's set ignores the
 * repeat), and a reader that sees the entry before the day's document leaves that day out until it is there.
 */
export async function addUsage(models: Pick<ReadModels, 'usageDays' | 'usageCalendars'>, batch: UsageBatch): Promise<void> {
  await upsertWith(models.usageCalendars, batch.tenant_id, usageCalendarId(batch.tenant_id), (current) => withDay(current, batch.day));
  await upsertWith(models.usageDays, batch.tenant_id, usageDayId(batch.tenant_id, batch.day), (current) => ({
    day: batch.day,
    routes: addBatch(current?.routes ?? [], batch),
  }));
}

/** The consumer group that keeps the read models; replaying the topics from the beginning rebuilds them. */
export function followReadModelEvents(deps: {
  bus: EventBus;
  processedEvents: ProcessedEventStore;
  models: ReadModels;
  logger: Logger;
}): Promise<Subscription> {
  return deps.bus.subscribe({
    groupId: READ_MODELS_CONSUMER_GROUP,
    eventTypes: READ_MODEL_EVENT_TYPES,
    retry: DEFAULT_RETRY_POLICY,
    processedEvents: deps.processedEvents,
    handler: async (event) => {
      await applyEvent(deps.models, event);
      deps.logger.debug({ tenantId: event.subject, eventId: event.id, type: event.type }, 'read model updated');
    },
  });
}
