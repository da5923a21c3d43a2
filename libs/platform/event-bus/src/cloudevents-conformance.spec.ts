import { createEvent, EVENT_TYPES } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { CloudEvent as SdkCloudEvent, Kafka } from 'cloudevents';
import { encodeEvent } from './records';

// Subscribers need not use our libraries: any CloudEvents consumer must be able to read our messages.
// The official CloudEvents SDK is the judge here, for the envelope and for the Kafka binding.
describe('CloudEvents conformance', () => {
  it.each(EVENT_TYPES)('when a %s event is created, then the CloudEvents SDK accepts it as a valid 1.0 event', (type) => {
    const event = createEvent(type, { tenantId: 't-1', source: '/tenantry/test', data: EXAMPLE_EVENT_DATA[type] });
    const sdkEvent = new SdkCloudEvent<unknown>({ ...event } as Record<string, unknown>, true);
    expect(sdkEvent.validate()).toBe(true);
    expect(sdkEvent.specversion).toBe('1.0');
  });

  it.each(EVENT_TYPES)('when a %s event is written to Kafka, then the SDK Kafka binding reads back the same event', (type) => {
    const event = createEvent(type, { tenantId: 't-1', source: '/tenantry/test', data: EXAMPLE_EVENT_DATA[type] });
    const record = encodeEvent(event, type, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    // A Kafka message as a consumer receives it (the SDK reads `key` and `value` besides `headers`).
    const message = {
      headers: record.headers,
      key: record.key ?? undefined,
      body: record.value?.toString('utf8'),
      value: record.value?.toString('utf8'),
    };
    const read = Kafka.toEvent(message);
    const sdkEvent = Array.isArray(read) ? read[0] : read;
    expect(sdkEvent).toMatchObject({
      id: event.id,
      type,
      source: event.source,
      subject: 't-1',
      time: event.time,
      dataschema: event.dataschema,
    });
    expect(sdkEvent?.data).toEqual(event.data);
  });
});
