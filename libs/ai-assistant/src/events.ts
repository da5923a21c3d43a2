import { domainEventFactory } from '@tenantry/event-bus';

/** The CloudEvents `source` of every event this service emits. */
export const EVENT_SOURCE = '/tenantry/ai-assistant';

export const assistantEvent = domainEventFactory(EVENT_SOURCE);
