import { domainEventFactory } from '@tenantry/event-bus';

export const EVENT_SOURCE = '/tenantry/observability';
export const observabilityEvent = domainEventFactory(EVENT_SOURCE);
