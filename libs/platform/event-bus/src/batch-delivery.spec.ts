import pino from 'pino';
import { deliverBatch, type BatchDeliveryDeps } from './batch-delivery';
import type { DeadLetterFailure } from './dead-letter';
import { encodeEvent, type DeliveredRecord } from './records';
import { buildTenantUpdated } from './test-support/events';

const events = [buildTenantUpdated('t-1', 'first'), buildTenantUpdated('t-1', 'second'), buildTenantUpdated('t-1', 'third')];
const records: DeliveredRecord[] = events.map((event, i) => ({
  ...encodeEvent(event, 'tenant.updated', {}),
  partition: 0,
  offset: String(10 + i),
}));
const poison: DeliveredRecord = {
  topic: 'tenant.updated',
  key: 't-1',
  value: Buffer.from('not json'),
  headers: {},
  partition: 0,
  offset: '9',
};

function depsWith(overrides: Partial<BatchDeliveryDeps<'tenant.updated'>> = {}) {
  const deadLetters: DeadLetterFailure[] = [];
  const handledOneByOne: string[] = [];
  const batches: string[][] = [];
  const deps: BatchDeliveryDeps<'tenant.updated'> = {
    system: 'in_memory',
    groupId: 'billing.metering',
    expectedTypeOf: (topic) => (topic === 'tenant.updated' ? 'tenant.updated' : undefined),
    handler: (event) => {
      handledOneByOne.push(event.id);
      return Promise.resolve();
    },
    batchHandler: (deliveries) => {
      batches.push(deliveries.map(({ event }) => event.id));
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
  return { deps, deadLetters, handledOneByOne, batches };
}

describe('deliverBatch', () => {
  it('when the batch handler succeeds, then every record is done and each event was handed over once, in order', async () => {
    const { deps, batches, handledOneByOne } = depsWith();

    await expect(deliverBatch(records, deps)).resolves.toBe(3);

    expect(batches).toEqual([events.map((event) => event.id)]);
    expect(handledOneByOne).toEqual([]);
  });

  it('when every message is poison, then all are dead-lettered, done, and the batch handler is not called', async () => {
    const { deps, batches, deadLetters } = depsWith();

    await expect(deliverBatch([poison, { ...poison, offset: '10' }], deps)).resolves.toBe(2);

    expect(batches).toEqual([]);
    expect(deadLetters).toEqual([expect.objectContaining({ reason: 'poison' }), expect.objectContaining({ reason: 'poison' })]);
  });

  it('when the subscription drains during a retry backoff, then the poison prefix is done and the batch is left for redelivery', async () => {
    const drain = new AbortController();
    const { deps, deadLetters, handledOneByOne } = depsWith({
      retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      batchHandler: () => {
        setImmediate(() => drain.abort());
        return Promise.reject(new Error('fails'));
      },
      drain: drain.signal,
    });

    await expect(deliverBatch([poison, ...records], deps)).resolves.toBe(1);

    expect(deadLetters).toEqual([expect.objectContaining({ reason: 'poison' })]);
    expect(handledOneByOne).toEqual([]);
  });

  it('when the stop deadline passes during the per-event fallback, then only the events handled before it are done', async () => {
    const abandon = new AbortController();
    const { deps, handledOneByOne } = depsWith({
      batchHandler: () => Promise.reject(new Error('batch write failed')),
      handler: (event) => {
        if (event.id === events[1]?.id) {
          setImmediate(() => abandon.abort());
          return new Promise(() => undefined);
        }
        handledOneByOne.push(event.id);
        return Promise.resolve();
      },
      abandon: abandon.signal,
    });

    await expect(deliverBatch(records, deps)).resolves.toBe(1);

    expect(handledOneByOne).toEqual([events[0]?.id]);
  });

  it('when the batch handler outlives the stop deadline, then nothing is done and the handler gets the abort signal', async () => {
    const abandon = new AbortController();
    let signalSeen: AbortSignal | undefined;
    const { deps } = depsWith({
      batchHandler: (deliveries) => {
        signalSeen = deliveries[0]?.context.signal;
        setImmediate(() => abandon.abort());
        return new Promise(() => undefined);
      },
      abandon: abandon.signal,
    });

    await expect(deliverBatch(records, deps)).resolves.toBe(0);
    expect(signalSeen?.aborted).toBe(true);
  });

  it('when a batch handler runs long, then keep-alive (Kafka heartbeats) is called meanwhile', async () => {
    let beats = 0;
    let finish: () => void = () => undefined;
    const { deps } = depsWith({
      keepAlive: () => {
        beats += 1;
        if (beats === 3) finish();
        return Promise.resolve();
      },
      keepAliveIntervalMs: 5,
      batchHandler: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });

    await expect(deliverBatch(records, deps)).resolves.toBe(3);
    expect(beats).toBeGreaterThanOrEqual(3);
  });
});
