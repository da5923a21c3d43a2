import { domainEventFactory } from '@tenantry/event-bus';

/** The CloudEvents `source` of every event this service emits. */
export const EVENT_SOURCE = '/tenantry/tenants';

/** An event about a tenant, carrying the trace context of the request that caused it (see domainEventFactory). */
export const tenantEvent = domainEventFactory(EVENT_SOURCE);
