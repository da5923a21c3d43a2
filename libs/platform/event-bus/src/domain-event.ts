import { context, propagation } from '@opentelemetry/api';
import { createEvent, type EventDataInput, type EventType, type TenantryEventOf } from '@tenantry/contracts';

export type DomainEventFactory = <T extends EventType>(
  type: T,
  tenantId: string,
  data: EventDataInput<T>,
  time: Date,
) => TenantryEventOf<T>;

/**
 * Makes the events one service emits (CloudEvents `source` = `source`), each about a tenant and carrying
 * the trace context active when it is made — usually the request that caused it — so the producer span
 * the outbox relay opens later is linked to that request.
 */
export function domainEventFactory(source: string): DomainEventFactory {
  return (type, tenantId, data, time) => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return createEvent(type, {
      tenantId,
      data,
      source,
      time,
      ...(carrier['traceparent'] ? { traceparent: carrier['traceparent'] } : {}),
      ...(carrier['tracestate'] ? { tracestate: carrier['tracestate'] } : {}),
    });
  };
}
