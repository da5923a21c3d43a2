import type { TenantryEvent } from './catalog';
import { eventDataSchema, splitDataSchemaName } from './catalog';
import { cloudEventSchema } from './cloud-event';
import { InvalidEventError, UnknownEventTypeError, UnsupportedEventVersionError } from './event-errors';
import { isEventType } from './event-types';
import { toFieldIssues } from './zod-issues';

/**
 * Validates an event received from anywhere (a Kafka message, an outbox entry): the CloudEvents
 * envelope, then the data against the schema its `type` and `dataschema` version name. Returns a union
 * discriminated by `type`. Throws InvalidEventError (UnknownEventTypeError, UnsupportedEventVersionError)
 * otherwise. Unknown envelope attributes are dropped.
 */
export function parseEvent(raw: unknown): TenantryEvent {
  const envelope = cloudEventSchema.safeParse(raw);
  if (!envelope.success) {
    throw new InvalidEventError('malformed', 'Not a valid CloudEvents 1.0 envelope', toFieldIssues(envelope.error));
  }
  const { type, dataschema } = envelope.data;
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  const schemaName = splitDataSchemaName(dataschema);
  if (!schemaName || schemaName.type !== type) {
    throw new InvalidEventError('malformed', `dataschema "${dataschema}" does not name a version of "${type}"`, [
      { field: 'dataschema', message: `Expected tenantry:${type}:v<N>` },
    ]);
  }
  const schema = eventDataSchema(type, schemaName.version);
  if (!schema) throw new UnsupportedEventVersionError(type, dataschema);
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) {
    throw new InvalidEventError(
      'invalid-data',
      `Invalid data for event ${type} (${schemaName.version})`,
      toFieldIssues(data.error, 'data'),
    );
  }
  // Envelope and data were validated against the schema this type and version name.
  return { ...envelope.data, data: data.data } as TenantryEvent;
}

/** parseEvent for a serialized event (JSON text or bytes). */
export function parseEventJson(json: string | Uint8Array): TenantryEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof json === 'string' ? json : new TextDecoder().decode(json));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidEventError('malformed', `Event is not valid JSON: ${detail}`);
  }
  return parseEvent(raw);
}
