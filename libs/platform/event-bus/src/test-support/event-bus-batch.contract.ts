import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ValidationFailedError } from '@tenantry/contracts';
import { uniqueName } from '@tenantry/testing';
import type { BatchDelivery, BatchHandler, EventBus, EventHandler, SubscribeOptions } from '../event-bus';
import { InMemoryProcessedEventStore } from '../in-memory/in-memory-processed-event-store';
import { contractLifecycle, FAST_RETRY, type EventBusContractHarness, type EventBusContractOptions } from './contract-lifecycle';
import { buildTenantUpdated } from './events';
import { installTestTracing, spansOfMessage } from './test-tracing';

type Batch = ReadonlyArray<BatchDelivery<'tenant.updated'>>;

const rejectPerEvent: EventHandler<'tenant.updated'> = (event) =>
  Promise.reject(new Error(`per-event handler called for ${event.id}: only a failed batch goes there`));

const idsOf = (batches: readonly Batch[]) => batches.flat().map(({ event }) => event.id);

/**
 * Batch mode (`SubscribeOptions.batch`), part of the one contract every adapter passes
 * (describeEventBusContract runs it). Events are mostly published BEFORE the group subscribes, so a
 * real broker hands them over in one fetch and the batches are as full as they can be.
 */
export function describeBatchDeliveryContract(
  adapterName: string,
  makeHarness: () => Promise<EventBusContractHarness>,
  options: EventBusContractOptions = {},
): void {
  describe(`EventBus contract, batch mode: ${adapterName}`, () => {
    let harness: EventBusContractHarness;
    let bus: EventBus;

    const { cleanups, wait, testTimeoutMs } = contractLifecycle(makeHarness, options, (fresh) => {
      harness = fresh;
      bus = fresh.bus;
    });

    function subscribeBatches(
      groupId: string,
      batch: Partial<NonNullable<SubscribeOptions<'tenant.updated'>['batch']>> = {},
      extra: Partial<SubscribeOptions<'tenant.updated'>> = {},
    ) {
      const batches: Batch[] = [];
      const handler: BatchHandler<'tenant.updated'> = (deliveries) => {
        batches.push([...deliveries]);
        return Promise.resolve();
      };
      const subscription = bus.subscribe({
        groupId,
        eventTypes: ['tenant.updated'],
        retry: FAST_RETRY,
        handler: rejectPerEvent,
        ...extra,
        batch: { handler, ...batch },
      });
      return { batches, subscription };
    }

    it(
      'when events of several tenants are waiting, then each reaches the batch handler once, in order, at most maxEvents per call, each call from one partition',
      async () => {
        const tenants = Array.from({ length: 5 }, () => uniqueName('tenant'));
        const events = Array.from({ length: 60 }, (_, i) => buildTenantUpdated(tenants[i % tenants.length] ?? 'none', `seq-${i}`));
        for (let start = 0; start < events.length; start += 20) await bus.publish(events.slice(start, start + 20));

        const { batches, subscription } = subscribeBatches(uniqueName('group'), { maxEvents: 7 });
        await subscription;

        await wait(() => idsOf(batches).length >= events.length, 'all 60 events in batches');
        expect(idsOf(batches).sort()).toEqual(events.map((event) => event.id).sort());
        expect(Math.max(...batches.map((batch) => batch.length))).toBe(7);
        const lastOffsetOf = new Map<number, number>();
        for (const batch of batches) {
          const partitions = new Set(batch.map(({ context }) => context.partition));
          expect(partitions.size).toBe(1);
          for (const { context } of batch) {
            const offset = Number(context.offset);
            expect(offset).toBeGreaterThan(lastOffsetOf.get(context.partition) ?? -1);
            lastOffsetOf.set(context.partition, offset);
            expect(context).toMatchObject({ attempt: 1 });
          }
        }
        for (const tenant of tenants) {
          const sent = events.filter((event) => event.subject === tenant).map((event) => event.id);
          const arrived = batches
            .flat()
            .filter(({ event }) => event.subject === tenant)
            .map(({ event }) => event.id);
          expect(arrived).toEqual(sent);
        }
      },
      testTimeoutMs,
    );

    it(
      'when a member stops while its batch handler hangs, then nothing of the batch was acknowledged and a new member gets all of it',
      async () => {
        const groupId = uniqueName('group');
        const tenant = uniqueName('tenant');
        const events = [buildTenantUpdated(tenant, 'one'), buildTenantUpdated(tenant, 'two'), buildTenantUpdated(tenant, 'three')];
        let releaseHungHandler: () => void = () => undefined;
        const hung = new Promise<void>((resolve) => {
          releaseHungHandler = resolve;
        });
        cleanups.push(releaseHungHandler);
        let started = false;
        let finished = false;
        const first = await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: rejectPerEvent,
          batch: {
            handler: async () => {
              started = true;
              await hung; // the process "dies" here
              finished = true;
            },
          },
        });
        await bus.publish(events);
        await wait(() => started, 'the first member to start a batch');

        await first.stop({ timeoutMs: 50 });
        const next = subscribeBatches(groupId);
        await next.subscription;

        await wait(() => idsOf(next.batches).length >= events.length, 'the batch to be redelivered to the new member');
        expect(idsOf(next.batches)).toEqual(events.map((event) => event.id));
        expect(finished).toBe(false);
      },
      testTimeoutMs,
    );

    it(
      'when a batch handler fails twice and then succeeds, then the batch is retried with the same events and attempt numbers, and each event is handled once',
      async () => {
        const tenant = uniqueName('tenant');
        const events = [buildTenantUpdated(tenant, 'a'), buildTenantUpdated(tenant, 'b'), buildTenantUpdated(tenant, 'c')];
        await bus.publish(events);
        const calls: Array<{ attempts: number[]; ids: string[] }> = [];
        const handled: string[] = [];
        await bus.subscribe({
          groupId: uniqueName('group'),
          eventTypes: ['tenant.updated'],
          retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 },
          handler: rejectPerEvent,
          batch: {
            handler: (deliveries) => {
              const attempts = deliveries.map(({ context }) => context.attempt);
              calls.push({ attempts, ids: deliveries.map(({ event }) => event.id) });
              if ((attempts[0] ?? 0) < 3) return Promise.reject(new Error(`transient failure ${attempts[0]}`));
              handled.push(...deliveries.map(({ event }) => event.id));
              return Promise.resolve();
            },
          },
        });

        await wait(() => handled.length >= events.length, 'the third attempt to succeed');
        const ids = events.map((event) => event.id);
        expect(calls).toEqual([
          { attempts: [1, 1, 1], ids },
          { attempts: [2, 2, 2], ids },
          { attempts: [3, 3, 3], ids },
        ]);
        expect(handled).toEqual(ids);
        await expect(harness.deadLetters('tenant.updated')).resolves.toEqual([]);
      },
      testTimeoutMs,
    );

    it(
      'when a batch handler keeps failing, then its events go one by one through the handler: the bad one is dead-lettered alone, the others are handled',
      async () => {
        const exporter = installTestTracing();
        const groupId = uniqueName('group');
        const tenant = uniqueName('tenant');
        const [good, bad, alsoGood] = [
          buildTenantUpdated(tenant, 'good'),
          buildTenantUpdated(tenant, 'bad'),
          buildTenantUpdated(tenant, 'also good'),
        ];
        await bus.publish([good, bad, alsoGood]);
        let batchCalls = 0;
        const log: string[] = [];
        await bus.subscribe({
          groupId,
          eventTypes: ['tenant.updated'],
          retry: FAST_RETRY,
          handler: (event, context) => {
            log.push(`${event.id}#${context.attempt}`);
            return event.id === bad.id ? Promise.reject(new Error('downstream said no')) : Promise.resolve();
          },
          batch: {
            handler: () => {
              batchCalls += 1;
              return Promise.reject(new Error('the batch write failed'));
            },
          },
        });

        await wait(() => log.includes(`${alsoGood.id}#1`), 'the last event through the per-event handler');
        expect(batchCalls).toBe(FAST_RETRY.maxAttempts);
        expect(log).toEqual([`${good.id}#1`, `${bad.id}#1`, `${bad.id}#2`, `${bad.id}#3`, `${alsoGood.id}#1`]);
        const letters = await wait(async () => {
          const found = await harness.deadLetters('tenant.updated');
          return found.length === 1 && found;
        }, 'the bad event in the DLQ');
        expect(letters[0]).toMatchObject({
          reason: 'handler-failed',
          attempts: 3,
          consumerGroup: groupId,
          errorMessage: 'downstream said no',
          key: tenant,
        });
        expect(JSON.parse(letters[0]?.value ?? '{}')).toMatchObject({ id: bad.id });
        // Tracing: the batch's span of the event ends in error; the per-event fallback has its own.
        const consumerSpans = await wait(() => {
          const spans = spansOfMessage(exporter.getFinishedSpans(), good.id).filter((span) => span.kind === SpanKind.CONSUMER);
          return spans.length === 2 && spans;
        }, 'the batch and the fallback consumer spans');
        expect(consumerSpans.map((span) => span.status.code).sort()).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR].sort());
      },
      testTimeoutMs,
    );

    it(
      'when poison messages sit between valid events, then they go to the DLQ and the batch holds only the valid events',
      async () => {
        const groupId = uniqueName('group');
        const tenant = uniqueName('tenant');
        const [before, after] = [buildTenantUpdated(tenant, 'before'), buildTenantUpdated(tenant, 'after')];
        const notJson = '{"specversion": "1.0", broken';
        await bus.publish([before]);
        await harness.publishRaw('tenant.updated', tenant, notJson);
        await bus.publish([after]);

        const { batches, subscription } = subscribeBatches(groupId);
        await subscription;

        await wait(() => idsOf(batches).length >= 2, 'both valid events');
        expect(idsOf(batches)).toEqual([before.id, after.id]);
        const letters = await wait(async () => {
          const found = await harness.deadLetters('tenant.updated');
          return found.length === 1 && found;
        }, 'the poison message in the DLQ');
        expect(letters[0]).toMatchObject({ reason: 'poison', attempts: 0, consumerGroup: groupId, value: notJson });
      },
      testTimeoutMs,
    );

    it(
      'when a batch is handled, then each of its events has a consumer span, child of its producer span',
      async () => {
        const exporter = installTestTracing();
        const tenants = [uniqueName('tenant'), uniqueName('tenant')];
        const events = [buildTenantUpdated(tenants[0] ?? ''), buildTenantUpdated(tenants[1] ?? ''), buildTenantUpdated(tenants[0] ?? '')];
        await bus.publish(events);

        const { batches, subscription } = subscribeBatches(uniqueName('group'));
        await subscription;

        await wait(() => idsOf(batches).length >= events.length, 'the events');
        for (const event of events) {
          const [producer, consumer] = await wait(() => {
            const spans = spansOfMessage(exporter.getFinishedSpans(), event.id);
            const producerSpan = spans.find((span) => span.kind === SpanKind.PRODUCER);
            const consumerSpan = spans.find((span) => span.kind === SpanKind.CONSUMER);
            return producerSpan && consumerSpan ? ([producerSpan, consumerSpan] as const) : false;
          }, `the producer and consumer spans of ${event.id}`);
          expect(consumer?.spanContext().traceId).toBe(producer?.spanContext().traceId);
          expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
          expect(consumer?.status.code).toBe(SpanStatusCode.UNSET);
          expect(consumer?.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'tenantry.delivery.outcome': 'handled' });
        }
      },
      testTimeoutMs,
    );

    it(
      'when batch options are out of range or combined with a processed-event store, then subscribe rejects them',
      async () => {
        const attempt = (batch: { maxEvents?: number }, extra: Partial<SubscribeOptions<'tenant.updated'>> = {}) =>
          bus.subscribe({
            groupId: uniqueName('group'),
            eventTypes: ['tenant.updated'],
            retry: FAST_RETRY,
            handler: rejectPerEvent,
            ...extra,
            batch: { handler: () => Promise.resolve(), ...batch },
          });

        for (const maxEvents of [0, 10_001, 2.5, Number.NaN]) {
          await expect(attempt({ maxEvents })).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'batch.maxEvents' })] });
        }
        await expect(attempt({}, { processedEvents: new InMemoryProcessedEventStore() })).rejects.toBeInstanceOf(ValidationFailedError);
        await expect(attempt({ maxEvents: 10_000 }).then((subscription) => subscription.stop())).resolves.toBeUndefined();
      },
      testTimeoutMs,
    );
  });
}
