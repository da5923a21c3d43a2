import { InvalidEventError, UnknownEventTypeError } from './event-errors';
import { createEvent } from './create-event';
import { EVENT_TYPES, type EventType } from './event-types';
import { EXAMPLE_EVENT_DATA } from './test-support/example-event-data';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createEvent', () => {
  it.each(EVENT_TYPES.map((type) => [type]))(
    'when given valid %s data, then it returns a complete CloudEvents 1.0 envelope',
    (type: EventType) => {
      const event = createEvent(type, { tenantId: 't-1', source: '/tenantry/test', data: EXAMPLE_EVENT_DATA[type] });

      expect(event).toMatchObject({
        specversion: '1.0',
        type,
        subject: 't-1',
        source: '/tenantry/test',
        datacontenttype: 'application/json',
        dataschema: `tenantry:${type}:v1`,
      });
      expect(event.id).toMatch(UUID_V7);
      expect(Date.parse(event.time)).not.toBeNaN();
    },
  );

  it('when id, time and trace context are given, then they are kept', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = createEvent('tenant.updated', {
      tenantId: 't-1',
      source: '/tenantry/tenants',
      data: EXAMPLE_EVENT_DATA['tenant.updated'],
      id: 'fixed-id',
      time: new Date('2025-01-02T03:04:05.000Z'),
      traceparent,
      tracestate: 'vendor=1',
    });

    expect(event).toMatchObject({ id: 'fixed-id', time: '2025-01-02T03:04:05.000Z', traceparent, tracestate: 'vendor=1' });
  });

  it('when the data does not match the schema, then it throws InvalidEventError naming the fields', () => {
    const attempt = () =>
      createEvent('tenant.created', {
        tenantId: 't-1',
        source: '/tenantry/tenants',
        data: { ...EXAMPLE_EVENT_DATA['tenant.created'], subscription_tier: 'platinum' as 'pro', timezone: 'Mars/Olympus' },
      });

    expect(attempt).toThrow(InvalidEventError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ reason: 'invalid-data', status: 400 });
      expect((error as InvalidEventError).issues.map((issue) => issue.field).sort()).toEqual(['data.subscription_tier', 'data.timezone']);
    }
  });

  it('when the type is not in the catalog, then it throws UnknownEventTypeError', () => {
    expect(() =>
      createEvent('tenant.exploded' as EventType, { tenantId: 't-1', source: '/x', data: EXAMPLE_EVENT_DATA['tenant.created'] }),
    ).toThrow(UnknownEventTypeError);
  });

  it('when the tenant id is empty, then it throws', () => {
    expect(() => createEvent('tenant.updated', { tenantId: '', source: '/x', data: EXAMPLE_EVENT_DATA['tenant.updated'] })).toThrow(
      InvalidEventError,
    );
  });

  it('when two events are created one after the other, then their ids sort in creation order', () => {
    const first = createEvent('tenant.updated', { tenantId: 't-1', source: '/x', data: EXAMPLE_EVENT_DATA['tenant.updated'] });
    const later = createEvent('tenant.updated', { tenantId: 't-1', source: '/x', data: EXAMPLE_EVENT_DATA['tenant.updated'] });
    expect(first.id).not.toEqual(later.id);
    expect(first.id.slice(0, 13) <= later.id.slice(0, 13)).toBe(true);
  });
});
