import { context, propagation } from '@opentelemetry/api';
import { createEvent, type EventDataInput, type EventType, type TenantryEventOf } from '@tenantry/contracts';

/** The CloudEvents `source` of every event this service emits. */
export const EVENT_SOURCE = '/tenantry/tenants';

/**
 * An event about `tenantId`, carrying the trace context of the request that caused it, so the producer
 * span the outbox relay opens later is linked to that request.
 */
export function tenantEvent<T extends EventType>(type: T, tenantId: string, data: EventDataInput<T>, time: Date): TenantryEventOf<T> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return createEvent(type, {
    tenantId,
    data,
    source: EVENT_SOURCE,
    time,
    ...(carrier['traceparent'] ? { traceparent: carrier['traceparent'] } : {}),
    ...(carrier['tracestate'] ? { tracestate: carrier['tracestate'] } : {}),
  });
}

/** What a use case needs of the outbox relay: a nudge after a write that queued events. */
export interface OutboxNotifier {
  notify(): void;
}
