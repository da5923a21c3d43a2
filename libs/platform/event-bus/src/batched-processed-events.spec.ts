import { BatchedProcessedEvents } from './batched-processed-events';
import { InMemoryProcessedEventStore } from './in-memory/in-memory-processed-event-store';
import type { ProcessedEventStore } from './ports';

/** Counts the calls that reach the store; can be made to fail. */
class CountingStore implements ProcessedEventStore {
  readonly inner = new InMemoryProcessedEventStore();
  calls: string[] = [];
  failing = false;

  constructor(batchMethods = true) {
    if (!batchMethods) {
      this.processedAmong = undefined;
      this.markAllProcessed = undefined;
    }
  }

  isProcessed(group: string, eventId: string): Promise<boolean> {
    this.calls.push(`isProcessed ${eventId}`);
    return this.inner.isProcessed(group, eventId);
  }
  markProcessed(group: string, eventId: string): Promise<void> {
    this.calls.push(`markProcessed ${eventId}`);
    return this.failing ? Promise.reject(new Error('database down')) : this.inner.markProcessed(group, eventId);
  }
  processedAmong?: ProcessedEventStore['processedAmong'] = (group, eventIds) => {
    this.calls.push(`processedAmong ${eventIds.join(',')}`);
    return this.failing ? Promise.reject(new Error('database down')) : this.inner.processedAmong(group, eventIds);
  };
  markAllProcessed?: ProcessedEventStore['markAllProcessed'] = (group, eventIds) => {
    this.calls.push(`markAllProcessed ${eventIds.join(',')}`);
    return this.failing ? Promise.reject(new Error('database down')) : this.inner.markAllProcessed(group, eventIds);
  };
  deleteProcessedBefore(cutoff: Date): Promise<number> {
    return this.inner.deleteProcessedBefore(cutoff);
  }
}

describe('BatchedProcessedEvents (one fetched batch of a partition)', () => {
  it('when a batch starts, then its ids are checked in one call and answered from it, and the handled ids are recorded in one call at the flush', async () => {
    const store = new CountingStore();
    await store.inner.markProcessed('g', 'a');
    const batched = new BatchedProcessedEvents(store, 'g');

    await batched.prefetch(['a', 'b', undefined, 'b']);
    expect(await batched.isProcessed('g', 'a')).toBe(true);
    expect(await batched.isProcessed('g', 'b')).toBe(false);
    await batched.markProcessed('g', 'b');
    expect(await store.inner.isProcessed('g', 'b')).toBe(false); // not recorded before the flush
    await batched.flush();
    await batched.flush();

    expect(store.calls).toEqual(['processedAmong a,b', 'markAllProcessed b']);
    expect(await store.inner.isProcessed('g', 'b')).toBe(true);
  });

  it('when a batch holds a second copy of an event it handled, then the copy reads as processed before anything is recorded', async () => {
    const batched = new BatchedProcessedEvents(new CountingStore(), 'g');
    await batched.prefetch(['a', 'a']);

    expect(await batched.isProcessed('g', 'a')).toBe(false);
    await batched.markProcessed('g', 'a');
    expect(await batched.isProcessed('g', 'a')).toBe(true);
  });

  it('when an id was not prefetched (no header, or the lookup failed), then the store is asked for it', async () => {
    const store = new CountingStore();
    store.failing = true;
    const batched = new BatchedProcessedEvents(store, 'g');
    await batched.prefetch(['a']); // fails: nothing prefetched, no error
    store.failing = false;

    expect(await batched.isProcessed('g', 'a')).toBe(false);
    expect(await batched.isProcessed('g', 'c')).toBe(false);
    expect(store.calls).toEqual(['processedAmong a', 'isProcessed a', 'isProcessed c']);
  });

  it('when recording fails, then the ids stay queued and the next flush records them', async () => {
    const store = new CountingStore();
    const batched = new BatchedProcessedEvents(store, 'g');
    await batched.markProcessed('g', 'a');
    store.failing = true;
    await expect(batched.flush()).rejects.toThrow('database down');
    await batched.markProcessed('g', 'b');
    expect(batched.unrecorded).toBe(2);
    store.failing = false;

    await batched.flush();

    expect(batched.unrecorded).toBe(0);
    expect(await store.inner.processedAmong('g', ['a', 'b'])).toEqual(new Set(['a', 'b']));
  });

  it('when the store has no batch methods, then each event is checked and recorded one by one', async () => {
    const store = new CountingStore(false);
    const batched = new BatchedProcessedEvents(store, 'g');
    await batched.prefetch(['a', 'b']);
    expect(await batched.isProcessed('g', 'a')).toBe(false);
    await batched.markProcessed('g', 'a');
    await batched.markProcessed('g', 'b');
    await batched.flush();

    expect(store.calls).toEqual(['isProcessed a', 'markProcessed a', 'markProcessed b']);
  });
});
