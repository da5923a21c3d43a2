import { eventually } from '@tenantry/testing';
import type { BusRecord } from '../records';
import { BatchingProducer } from './batching-producer';

function record(key: string, value = 'x'): BusRecord {
  return { topic: 'tenant.updated', key, value: Buffer.from(value), headers: {} };
}

interface Deferred {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A fake broker that records each request and lets the test decide when it is acknowledged. */
function fakeBroker(autoAck = true) {
  const requests: Array<readonly BusRecord[]> = [];
  const pending: Deferred[] = [];
  const send = (records: readonly BusRecord[]) => {
    requests.push(records);
    if (autoAck) return Promise.resolve();
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { requests, pending, send };
}

describe('BatchingProducer', () => {
  it('when many sends arrive at once, then they go out in one request and every caller settles', async () => {
    const broker = fakeBroker();
    const producer = new BatchingProducer(broker.send, { lingerMs: 5 });

    await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send([record(`t${i}`)])));

    expect(broker.requests).toHaveLength(1);
    expect(broker.requests[0]).toHaveLength(100);
    expect(producer.stats).toMatchObject({ produceRequests: 1, sendCalls: 100, messages: 100 });
  });

  it('when idle with the default linger, then a lone send goes out as soon as the event loop turns, and the sends of one tick share it', async () => {
    const broker = fakeBroker();
    const producer = new BatchingProducer(broker.send);

    const lone = producer.send([record('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.requests).toHaveLength(1);
    await lone;

    await Promise.all([producer.send([record('b')]), producer.send([record('c')]), producer.send([record('d')])]);
    expect(broker.requests.map((request) => request.length)).toEqual([1, 3]);
  });

  it('when sends arrive while a request is in flight, then they are coalesced into the next request, in call order', async () => {
    const broker = fakeBroker(false);
    const producer = new BatchingProducer(broker.send, { lingerMs: 0 });
    const first = producer.send([record('a', '1')]);
    await eventually(() => broker.pending.length === 1, { description: 'the first request' });
    const later = [producer.send([record('a', '2')]), producer.send([record('a', '3')])];

    broker.pending.shift()?.resolve();
    await first;
    await eventually(() => broker.pending.length === 1, { description: 'the second request' });
    broker.pending.shift()?.resolve();
    await Promise.all(later);

    expect(broker.requests.map((request) => request.map((r) => r.value?.toString()))).toEqual([['1'], ['2', '3']]);
  });

  it('when the queue reaches maxBatchMessages, then a request is sent without waiting for the linger', async () => {
    const broker = fakeBroker();
    const producer = new BatchingProducer(broker.send, { lingerMs: 60_000, maxBatchMessages: 10 });

    await producer.send(Array.from({ length: 10 }, (_, i) => record(`t${i}`)));

    expect(broker.requests).toHaveLength(1);
  });

  it('when one call is larger than a request may be, then it is split and settles after the last part', async () => {
    const broker = fakeBroker();
    const producer = new BatchingProducer(broker.send, { lingerMs: 0, maxBatchMessages: 4 });

    await producer.send(Array.from({ length: 10 }, (_, i) => record('t', String(i))));

    expect(broker.requests.map((request) => request.length)).toEqual([4, 4, 2]);
    expect(broker.requests.flat().map((r) => r.value?.toString())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('when a request fails, then every call in it rejects with the error and later calls still go out', async () => {
    let fail = true;
    const producer = new BatchingProducer(
      () => {
        if (fail) return Promise.reject(new Error('broker down'));
        return Promise.resolve();
      },
      { lingerMs: 1 },
    );

    const failed = [producer.send([record('a')]), producer.send([record('b')])];
    await expect(Promise.all(failed)).rejects.toThrow('broker down');
    await expect(failed[1]).rejects.toThrow('broker down');
    fail = false;

    await expect(producer.send([record('c')])).resolves.toBeUndefined();
    expect(producer.stats).toMatchObject({ produceRequests: 2, failedRequests: 1, messages: 1 });
  });

  it('when closed, then queued sends are flushed and new ones refused', async () => {
    const broker = fakeBroker();
    const producer = new BatchingProducer(broker.send, { lingerMs: 60_000 });
    const queued = producer.send([record('a')]);

    await producer.close();

    await expect(queued).resolves.toBeUndefined();
    await expect(producer.send([record('b')])).rejects.toThrow('closed');
  });
});
