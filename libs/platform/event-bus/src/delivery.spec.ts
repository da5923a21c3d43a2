import pino from 'pino';
import type { DeadLetterFailure } from './dead-letter';
import { deliver, type DeliveryDeps } from './delivery';
import { InMemoryProcessedEventStore } from './in-memory/in-memory-processed-event-store';
import { encodeEvent, type DeliveredRecord } from './records';
import { buildTenantUpdated } from './test-support/events';

const event = buildTenantUpdated('t-1');
const record: DeliveredRecord = { ...encodeEvent(event, 'tenant.updated', {}), partition: 0, offset: '7' };

function depsWith(overrides: Partial<DeliveryDeps<'tenant.updated'>> = {}) {
  const deadLetters: DeadLetterFailure[] = [];
  const handled: string[] = [];
  const deps: DeliveryDeps<'tenant.updated'> = {
    system: 'in_memory',
    groupId: 'billing',
    expectedTypeOf: (topic) => (topic === 'tenant.updated' ? 'tenant.updated' : undefined),
    handler: (received) => {
      handled.push(received.id);
      return Promise.resolve();
    },
    retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 },
    logger: pino({ level: 'silent' }),
    deadLetter: (_record, failure) => {
      deadLetters.push(failure);
      return Promise.resolve();
    },
    drain: new AbortController().signal,
    abandon: new AbortController().signal,
    ...overrides,
  };
  return { deps, deadLetters, handled };
}

/** Fails the first `failures` calls, then returns `value`. */
function flaky<T>(failures: number, value: T): () => Promise<T> {
  let calls = 0;
  return () => (++calls <= failures ? Promise.reject(new Error(`outage ${calls}`)) : Promise.resolve(value));
}

describe('deliver', () => {
  it('when the processed-event store is briefly down, then the check is retried without counting handler attempts', async () => {
    const store = new InMemoryProcessedEventStore();
    store.isProcessed = flaky(5, false);
    const { deps, handled } = depsWith({ processedEvents: store });

    await expect(deliver(record, deps)).resolves.toBe('handled');

    expect(handled).toEqual([event.id]);
  });

  it('when recording the processed id fails for a while, then it is retried and the handler is not run again', async () => {
    const store = new InMemoryProcessedEventStore();
    const markProcessed = store.markProcessed.bind(store);
    const failOnce = flaky(2, undefined);
    store.markProcessed = async (group, id) => {
      await failOnce();
      await markProcessed(group, id);
    };
    const { deps, handled } = depsWith({ processedEvents: store });

    await expect(deliver(record, deps)).resolves.toBe('handled');

    expect(handled).toEqual([event.id]);
    await expect(store.isProcessed('billing', event.id)).resolves.toBe(true);
  });

  it('when writing to the DLQ fails for a while, then it is retried until the message is safely dead-lettered', async () => {
    const writes = flaky(3, undefined);
    const { deps } = depsWith({
      handler: () => Promise.reject(new Error('no')),
      deadLetter: () => writes(),
    });

    await expect(deliver(record, deps)).resolves.toBe('dead-lettered');
  });

  it('when the message sits on a topic of another event type, then it is poison', async () => {
    const { deps, deadLetters, handled } = depsWith();

    await expect(deliver({ ...record, topic: 'tenant.created' }, deps)).resolves.toBe('dead-lettered');

    expect(handled).toEqual([]);
    expect(deadLetters).toEqual([expect.objectContaining({ reason: 'poison', attempts: 0 })]);
  });

  it('when the subscription drains during a retry backoff, then the delivery is abandoned, not dead-lettered', async () => {
    const drain = new AbortController();
    const { deps, deadLetters } = depsWith({
      retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      handler: () => {
        setImmediate(() => drain.abort());
        return Promise.reject(new Error('fails'));
      },
      drain: drain.signal,
    });

    await expect(deliver(record, deps)).resolves.toBe('abandoned');
    expect(deadLetters).toEqual([]);
  });

  it('when a handler outlives the stop deadline, then the delivery is abandoned and the handler gets the abort signal', async () => {
    const abandon = new AbortController();
    let signalSeen: AbortSignal | undefined;
    const { deps } = depsWith({
      handler: (_event, context) => {
        signalSeen = context.signal;
        setImmediate(() => abandon.abort());
        return new Promise(() => undefined);
      },
      abandon: abandon.signal,
    });

    await expect(deliver(record, deps)).resolves.toBe('abandoned');
    expect(signalSeen?.aborted).toBe(true);
  });

  it('when a handler runs long, then keep-alive (Kafka heartbeats) is called meanwhile', async () => {
    let beats = 0;
    let finish: () => void = () => undefined;
    const { deps } = depsWith({
      keepAlive: () => {
        beats += 1;
        if (beats === 3) finish();
        return Promise.resolve();
      },
      keepAliveIntervalMs: 5,
      handler: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });

    await expect(deliver(record, deps)).resolves.toBe('handled');
    expect(beats).toBeGreaterThanOrEqual(3);
  });
});
