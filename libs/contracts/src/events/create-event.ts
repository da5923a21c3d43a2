import { CURRENT_EVENT_VERSIONS, dataSchemaName, eventDataSchema, type EventDataInput, type TenantryEventOf } from './catalog';
import { InvalidEventError, UnknownEventTypeError } from './event-errors';
import { newEventId } from './event-id';
import { isEventType, type EventType } from './event-types';
import { toFieldIssues } from './zod-issues';

export interface CreateEventInput<T extends EventType> {
  /** The tenant the event is about: the CloudEvents `subject` and the Kafka message key. */
  tenantId: string;
  data: EventDataInput<T>;
  /** The producing service as a URI reference, e.g. `/tenantry/tenants`. */
  source: string;
  /** Defaults to a new UUID v7. Pass one to make creating the same event twice produce the same id. */
  id?: string;
  /** Defaults to now. */
  time?: Date | string;
  /** W3C trace context of the operation that caused the event (kept while it waits in the outbox). */
  traceparent?: string;
  tracestate?: string;
}

/**
 * Builds a CloudEvents 1.0 envelope around validated data, at the type's current schema version.
 * Throws InvalidEventError when the data does not match the schema (a bug in the producer).
 */
export function createEvent<T extends EventType>(type: T, input: CreateEventInput<T>): TenantryEventOf<T> {
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  const version = CURRENT_EVENT_VERSIONS[type];
  const schema = eventDataSchema(type, version);
  if (!schema) throw new InvalidEventError('unsupported-version', `No schema ${version} for ${type}`);
  const parsed = schema.safeParse(input.data);
  if (!parsed.success) {
    throw new InvalidEventError('invalid-data', `Invalid data for event ${type}`, toFieldIssues(parsed.error, 'data'));
  }
  if (!input.tenantId) throw new InvalidEventError('malformed', 'tenantId is required', [{ field: 'subject', message: 'Required' }]);
  if (!input.source) throw new InvalidEventError('malformed', 'source is required', [{ field: 'source', message: 'Required' }]);
  const time = input.time === undefined ? new Date() : new Date(input.time);
  if (Number.isNaN(time.getTime()))
    throw new InvalidEventError('malformed', 'time is not a valid date', [{ field: 'time', message: 'Invalid date' }]);

  const event = {
    specversion: '1.0' as const,
    id: input.id ?? newEventId(),
    source: input.source,
    type,
    subject: input.tenantId,
    time: time.toISOString(),
    datacontenttype: 'application/json' as const,
    dataschema: dataSchemaName(type, version),
    data: parsed.data,
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    ...(input.tracestate ? { tracestate: input.tracestate } : {}),
  };
  // The data was validated against exactly this type's current schema just above.
  return event as unknown as TenantryEventOf<T>;
}
