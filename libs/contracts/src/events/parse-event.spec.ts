import { createEvent } from './create-event';
import { InvalidEventError, UnknownEventTypeError, UnsupportedEventVersionError } from './event-errors';
import { EVENT_TYPES, type EventType } from './event-types';
import { parseEvent, parseEventJson } from './parse-event';
import { EXAMPLE_EVENT_DATA } from './test-support/example-event-data';

function serialized(type: EventType): Record<string, unknown> {
  return JSON.parse(JSON.stringify(createEvent(type, { tenantId: 't-1', source: '/tenantry/test', data: EXAMPLE_EVENT_DATA[type] })));
}

function reasonOf(attempt: () => unknown): string | undefined {
  try {
    attempt();
  } catch (error) {
    return error instanceof InvalidEventError ? error.reason : `not an InvalidEventError: ${String(error)}`;
  }
  return undefined;
}

describe('parseEvent', () => {
  it.each(EVENT_TYPES.map((type) => [type]))(
    'when a serialized %s event is parsed, then it equals the created event',
    (type: EventType) => {
      const raw = serialized(type);
      expect(parseEvent(raw)).toEqual(raw);
    },
  );

  it('when parsed, then the result is discriminated by type', () => {
    const event = parseEventJson(JSON.stringify(serialized('subscription.upgraded')));
    if (event.type !== 'subscription.upgraded') throw new Error(`unexpected ${event.type}`);
    // Compiles only because the union narrowed on `type`.
    expect([event.data.from_plan_id, event.data.to_plan_id]).toEqual(['basic', 'pro']);
  });

  it('when the text is not JSON, then the reason is malformed', () => {
    expect(reasonOf(() => parseEventJson('{not json'))).toBe('malformed');
  });

  it('when an envelope attribute is missing, then the reason is malformed and the field is named', () => {
    const { subject: _subject, ...raw } = serialized('tenant.created');
    try {
      parseEvent(raw);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).issues).toEqual([expect.objectContaining({ field: 'subject' })]);
    }
  });

  it('when the type is unknown, then it throws UnknownEventTypeError', () => {
    const raw = { ...serialized('tenant.created'), type: 'tenant.vanished', dataschema: 'tenantry:tenant.vanished:v1' };
    expect(() => parseEvent(raw)).toThrow(UnknownEventTypeError);
  });

  it('when the version is unknown, then it throws UnsupportedEventVersionError', () => {
    const raw = { ...serialized('tenant.created'), dataschema: 'tenantry:tenant.created:v9' };
    expect(() => parseEvent(raw)).toThrow(UnsupportedEventVersionError);
  });

  it('when dataschema names another type, then the reason is malformed', () => {
    const raw = { ...serialized('tenant.created'), dataschema: 'tenantry:tenant.updated:v1' };
    expect(reasonOf(() => parseEvent(raw))).toBe('malformed');
  });

  it('when the data breaks its schema, then the reason is invalid-data', () => {
    const raw = serialized('metric.recorded');
    const data = raw['data'] as { samples: Array<{ request_count: number }> };
    data.samples[0] = { ...data.samples[0], request_count: 11 }; // buckets no longer add up
    expect(reasonOf(() => parseEvent(raw))).toBe('invalid-data');
  });
});
