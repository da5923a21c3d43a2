import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InvalidEventError, type EventType, type TenantryEvent } from '@tenantry/contracts';
import { uniqueName } from '@tenantry/testing';
import type { DeliveryContext, EventBus, RetryPolicy, Subscription } from '../event-bus';
import { InMemoryProcessedEventStore } from '../in-memory/in-memory-processed-event-store';
import { contractLifecycle, FAST_RETRY, type EventBusContractHarness, type EventBusContractOptions } from './contract-lifecycle';
import { describeBatchDeliveryContract } from './event-bus-batch.contract';
import { buildTenantCreated, buildTenantUpdated } from './events';
import { installTestTracing, spansOfMessage } from './test-tracing';

export type { EventBusContractHarness, EventBusContractOptions } from './contract-lifecycle';

interface Received {
  event: TenantryEvent;
  context: DeliveryContext;
}

/**
 * ONE behavioural contract for every EventBus adapter. The in-memory adapter runs it in unit tests
 * and the Kafka adapter against a real broker, so the two cannot drift apart.
 */
export function describeEventBusContract(
  adapterName: string,
  makeHarness: () => Promise<EventBusContractHarness>,
  options: EventBusContractOptions = {},
): void {
  describe(`EventBus contract: ${adapterName}`, () => {
    let harness: EventBusContractHarness;
    let bus: EventBus;

    beforeAll(() => {
      installTestTracing();
    });

    const { cleanups, wait, testTimeoutMs } = contractLifecycle(makeHarness, options, (fresh) => {
      harness = fresh;
      bus = fresh.bus;
    });

    function recorder(
      groupId: string,
      eventTypes: readonly EventType[],
      extra: { processedEvents?: InMemoryProcessedEventStore; retry?: RetryPolicy } = {},
    ) {
      const received: Received[] = [];
      const subscription = bus.subscribe({
        groupId,
        eventTypes,
        retry: extra.retry ?? FAST_RETRY,
        processedEvents: extra.processedEvents,
        handler: (event, context) => {
          received.push({ event, context });
          return Promise.resolve();
        },
      });
      return { received, subscription };
    }

    it(
      'when an event is published, then a subscriber receives it as a valid CloudEvent on its topic',
      async () => {
        const { received, subscription } = recorder(uniqueName('group'), ['tenant.created']);
        await subscription;
        const event = buildTenantCreated(uniqueName('tenant'));

        await bus.publish([event]);

        await wait(() => received.length === 1, 'the event to arrive');
        expect(received[0]?.event).toEqual(event);
        expect(received[0]?.context).toMatchObject({ attempt: 1 });
        expect(received[0]?.context.topic).toMatch(/tenant\.created$/);
      },
      testTimeoutMs,
    );

    it(
      "when events of several tenants are published interleaved, then each tenant's events arrive in publish order",
      async () => {
        const { received, subscription } = recorder(uniqueName('group'), ['tenant.updated']);
        await subscription;
        const tenants = Array.from({ length: 5 }, () => uniqueName('tenant'));
        const events = Array.from({ length: 100 }, (_, i) => buildTenantUpdated(tenants[i % tenants.length] ?? 'none', `seq-${i}`));

        for (let start = 0; start < events.length; start += 20) await bus.publish(events.slice(start, start + 20));

        await wait(() => received.length === events.length, 'all 100 events to arrive');
        for (const tenant of tenants) {
          const sent = events.filter((event) => event.subject === tenant).map((event) => event.id);
          const arrived = received.filter(({ event }) => event.subject === tenant).map(({ event }) => event.id);
          expect(arrived).toEqual(sent);
        }
      },
      testTimeoutMs,
    );

    it(
      'when the same event is delivered twice to a group with a processed-event store, then it is handled once',
      async () => {
        const processedEvents = new InMemoryProcessedEventStore();
        const groupId = uniqueName('group');
        const { received, subscription } = recorder(groupId, ['tenant.updated'], { processedEvents });
        await subscription;
        const tenant = uniqueName('tenant');
        const duplicate = buildTenantUpdated(tenant, 'once');
        const after = buildTenantUpdated(tenant, 'after');

        await bus.publish([duplicate]);
        await bus.publish([duplicate]);
        await bus.publish([after]);

        await wait(() => received.some(({ event }) => event.id === after.id), 'the event published after the duplicate');
        expect(received.map(({ event }) => event.id)).toEqual([duplicate.id, after.id]);
        await expect(processedEvents.isProcessed(groupId, duplicate.id)).resolves.toBe(true);
      },
      testTimeoutMs,
    );

    it(
      'when a message is not a valid event, then it goes straight to the dead-letter topic with the error and the next one is handled',
      async () => {
        const groupId = uniqueName('group');
        const { received, subscription } = recorder(groupId, ['tenant.created']);
        await subscription;
        const tenant = uniqueName('tenant');
        const notJson = '{"specversion": "1.0", broken';
        const breaksSchema = JSON.stringify({ ...buildTenantCreated(tenant), data: { tenant_id: tenant, name: '' } });
        const valid = buildTenantCreated(tenant);

        await harness.publishRaw('tenant.created', tenant, notJson);
        await harness.publishRaw('tenant.created', tenant, breaksSchema);
        await bus.publish([valid]);

        await wait(() => received.length === 1, 'the valid event after the poison messages');
        expect(received[0]?.event.id).toBe(valid.id);
        const deadLetters = await wait(async () => {
          const letters = await harness.deadLetters('tenant.created');
          return letters.length === 2 && letters;
        }, 'both poison messages in the DLQ');
        expect(deadLetters.map((letter) => letter.value).sort()).toEqual([notJson, breaksSchema].sort());
        for (const letter of deadLetters) {
          expect(letter).toMatchObject({
            reason: 'poison',
            attempts: 0,
            consumerGroup: groupId,
            key: tenant,
            errorName: 'InvalidEventError',
          });
          expect(letter.originalTopic).toMatch(/tenant\.created$/);
          expect(letter.errorMessage).not.toBe('');
          expect(Number(letter.originalOffset)).toBeGreaterThanOrEqual(0);
        }
      },
      testTimeoutMs,
    );

    it(
      'when a handler fails twice and then succeeds, then the event is retried with backoff and handled once',
      async () => {
        const attempts: number[] = [];
        let handled = 0;
        await bus.subscribe({
          groupId: uniqueName('group'),
          eventTypes: ['tenant.updated'],
          retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 },
          handler: (_event, context) => {
            attempts.push(context.attempt);
            if (context.attempt < 3) return Promise.reject(new Error(`transient failure ${context.attempt}`));
            handled += 1;
            return Promise.resolve();
          },
        });
        const event = buildTenantUpdated(uniqueName('tenant'));

        await bus.publish([event]);

        await wait(() => handled === 1, 'the third attempt to succeed');
        expect(attempts).toEqual([1, 2, 3]);
        await expect(harness.deadLetters('tenant.updated')).resolves.toEqual([]);
      },
      testTimeoutMs,
    );

    it(
      'when a handler keeps failing, then after maxAttempts the event goes to the DLQ with the error and the consumer carries on',
      async () => {
        const groupId = uniqueName('group');
        const tenant = uniqueName('tenant');
        const failing = buildTenantUpdated(tenant, 'always-fails');
        const next = buildTenantUpdated(tenant, 'next');
        const log: string[] = [];
        await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: (event, context) => {
            log.push(`${event.id}#${context.attempt}`);
            return event.id === failing.id ? Promise.reject(new Error('downstream said no')) : Promise.resolve();
          },
        });

        await bus.publish([failing, next]);

        await wait(() => log.includes(`${next.id}#1`), 'the next event to be handled');
        expect(log).toEqual([`${failing.id}#1`, `${failing.id}#2`, `${failing.id}#3`, `${next.id}#1`]);
        const [letter] = await wait(async () => {
          const letters = await harness.deadLetters('tenant.updated');
          return letters.length === 1 && letters;
        }, 'the failing event in the DLQ');
        expect(letter).toMatchObject({
          reason: 'handler-failed',
          attempts: 3,
          consumerGroup: groupId,
          errorName: 'Error',
          errorMessage: 'downstream said no',
          key: tenant,
        });
        expect(JSON.parse(letter?.value ?? '{}')).toMatchObject({ id: failing.id });
        expect(letter?.headers['traceparent']).toMatch(/^00-/);
      },
      testTimeoutMs,
    );

    it(
      'when a member stops in the middle of a handler, then nothing was acknowledged and the event is redelivered to a new member',
      async () => {
        const groupId = uniqueName('group');
        const event = buildTenantUpdated(uniqueName('tenant'));
        let releaseHungHandler: () => void = () => undefined;
        const hung = new Promise<void>((resolve) => {
          releaseHungHandler = resolve;
        });
        cleanups.push(releaseHungHandler);
        let firstStarted = false;
        let firstFinished = false;
        const first = await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: async () => {
            firstStarted = true;
            await hung; // the process "dies" here
            firstFinished = true;
          },
        });
        await bus.publish([event]);
        await wait(() => firstStarted, 'the first member to start handling');

        await first.stop({ timeoutMs: 50 });
        const { received, subscription } = recorder(groupId, ['tenant.updated']);
        await subscription;

        await wait(() => received.length === 1, 'the event to be redelivered to the new member');
        expect(received[0]?.event.id).toBe(event.id);
        expect(firstFinished).toBe(false);
      },
      testTimeoutMs,
    );

    it(
      'when a member stops while its handler runs, then the handler finishes, the event is acknowledged and not delivered again',
      async () => {
        const groupId = uniqueName('group');
        const tenant = uniqueName('tenant');
        const first = buildTenantUpdated(tenant, 'in flight at stop');
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let started = false;
        let finished = false;
        const member = await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: async () => {
            started = true;
            await gate;
            finished = true;
          },
        });
        await bus.publish([first]);
        await wait(() => started, 'the handler to start');

        const stopping = member.stop({ timeoutMs: 10_000 });
        release();
        await stopping;
        expect(finished).toBe(true);

        const next = recorder(groupId, ['tenant.updated']);
        await next.subscription;
        const marker = buildTenantUpdated(tenant, 'after the stop');
        await bus.publish([marker]);
        await wait(() => next.received.length >= 1, 'the marker event');
        expect(next.received.map(({ event }) => event.id)).toEqual([marker.id]);
      },
      testTimeoutMs,
    );

    it(
      'when two groups subscribe, then each receives every event',
      async () => {
        const a = recorder(uniqueName('group-a'), ['tenant.updated']);
        const b = recorder(uniqueName('group-b'), ['tenant.updated']);
        await Promise.all([a.subscription, b.subscription]);
        const events = Array.from({ length: 10 }, (_, i) => buildTenantUpdated(uniqueName('tenant'), `e${i}`));

        await bus.publish(events);

        const ids = events.map((event) => event.id).sort();
        await wait(() => a.received.length === 10 && b.received.length === 10, 'both groups to receive all 10 events');
        expect(a.received.map(({ event }) => event.id).sort()).toEqual(ids);
        expect(b.received.map(({ event }) => event.id).sort()).toEqual(ids);
      },
      testTimeoutMs,
    );

    it(
      'when two members share a group, then they split the events and each event is handled by one of them',
      async () => {
        const groupId = uniqueName('group');
        const a = recorder(groupId, ['tenant.updated']);
        await a.subscription;
        const b = recorder(groupId, ['tenant.updated']);
        await b.subscription;
        const events = Array.from({ length: 30 }, () => buildTenantUpdated(uniqueName('tenant')));

        await bus.publish(events);

        await wait(() => a.received.length + b.received.length >= 30, 'all 30 events to be handled');
        const handled = [...a.received, ...b.received].map(({ event }) => event.id);
        expect(handled.sort()).toEqual(events.map((event) => event.id).sort());
        expect(a.received.length).toBeGreaterThan(0);
        expect(b.received.length).toBeGreaterThan(0);
      },
      testTimeoutMs,
    );

    it(
      'when an event crosses the bus, then the producer and consumer spans are in one trace, the consumer a child of the producer',
      async () => {
        const exporter = installTestTracing();
        const groupId = uniqueName('group');
        const { received, subscription } = recorder(groupId, ['tenant.updated']);
        await subscription;
        const event = buildTenantUpdated(uniqueName('tenant'));

        await bus.publish([event]);

        await wait(() => received.length === 1, 'the event');
        const [producer, consumer] = await wait(() => {
          const spans = spansOfMessage(exporter.getFinishedSpans(), event.id);
          const byKind = (kind: SpanKind) => spans.find((span) => span.kind === kind);
          const pair = [byKind(SpanKind.PRODUCER), byKind(SpanKind.CONSUMER)];
          return pair.every(Boolean) && (pair as ReadableSpan[]);
        }, 'a producer and a consumer span');
        expect(consumer?.spanContext().traceId).toBe(producer?.spanContext().traceId);
        expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
        expect(producer?.attributes).toMatchObject({
          'messaging.operation.type': 'send',
          'messaging.message.id': event.id,
          'messaging.kafka.message.key': event.subject,
        });
        expect(String(producer?.attributes['messaging.destination.name'])).toMatch(/tenant\.updated$/);
        expect(consumer?.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.consumer.group.name': groupId });
      },
      testTimeoutMs,
    );

    it(
      'when an event carries the trace context it was created in, then the producer span continues that trace',
      async () => {
        const exporter = installTestTracing();
        const { received, subscription } = recorder(uniqueName('group'), ['tenant.updated']);
        await subscription;
        const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const outboxWriteSpanId = '00f067aa0ba902b7';
        const event = buildTenantUpdated(uniqueName('tenant'), 'traced', { traceparent: `00-${traceId}-${outboxWriteSpanId}-01` });

        await bus.publish([event]);

        await wait(() => received.length === 1, 'the event');
        const spans = await wait(() => {
          const found = spansOfMessage(exporter.getFinishedSpans(), event.id);
          return found.length === 2 && found;
        }, 'both spans');
        expect(spans.map((span) => span.spanContext().traceId)).toEqual([traceId, traceId]);
        const producer = spans.find((span) => span.kind === SpanKind.PRODUCER);
        expect(producer?.parentSpanContext?.spanId).toBe(outboxWriteSpanId);
      },
      testTimeoutMs,
    );

    it('when an event breaks its schema, then publish rejects it and writes nothing', async () => {
      const bad = { ...buildTenantUpdated(uniqueName('tenant')), data: { changes: {} } };

      await expect(bus.publish([bad])).rejects.toBeInstanceOf(InvalidEventError);
    });

    it(
      'when subscribed, then health reports the bus up with the subscription',
      async () => {
        const groupId = uniqueName('group');
        const subscription: Subscription = await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: () => Promise.resolve(),
        });

        const health = await bus.health();

        expect(health.status).toBe('up');
        expect(health.subscriptions).toContainEqual({ groupId, eventTypes: ['tenant.updated'], state: 'running' });
        await subscription.stop();
        expect((await bus.health()).subscriptions.filter((entry) => entry.groupId === groupId)).toEqual([]);
      },
      testTimeoutMs,
    );
  });

  describeBatchDeliveryContract(adapterName, makeHarness, options);
}
