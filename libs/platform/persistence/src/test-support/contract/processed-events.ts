import { uniqueName } from '@tenantry/testing';
import type { ContractContext } from '../repository.contract';

export function processedEventsContract(context: ContractContext): void {
  describe('processed event store', () => {
    it('when an event is marked processed, then it reads as processed for that group only, and marking again is harmless', async () => {
      const store = await context.shared().persistence.processedEventStore();
      const [group, otherGroup, eventId] = [uniqueName('group'), uniqueName('group'), uniqueName('event')];

      expect(await store.isProcessed(group, eventId)).toBe(false);
      await store.markProcessed(group, eventId);
      await store.markProcessed(group, eventId);
      await Promise.all([store.markProcessed(otherGroup, eventId), store.markProcessed(otherGroup, eventId)]);

      expect(await store.isProcessed(group, eventId)).toBe(true);
      expect(await store.isProcessed(otherGroup, eventId)).toBe(true);
      expect(await store.isProcessed(uniqueName('group'), eventId)).toBe(false);
    });

    it('when a batch of ids is checked and recorded at once, then it answers like the per-id calls, for that group only', async () => {
      const store = await context.shared().persistence.processedEventStore();
      const [group, otherGroup] = [uniqueName('group'), uniqueName('group')];
      const ids = Array.from({ length: 12 }, () => uniqueName('event'));
      await store.markProcessed(group, ids[0] ?? '');

      await store.markAllProcessed?.(group, [ids[0] ?? '', ids[1] ?? '', ids[2] ?? '', ids[2] ?? '']);
      await store.markAllProcessed?.(otherGroup, [ids[3] ?? '']);
      await store.markAllProcessed?.(group, []);

      expect(await store.processedAmong?.(group, ids)).toEqual(new Set(ids.slice(0, 3)));
      expect(await store.processedAmong?.(otherGroup, ids)).toEqual(new Set([ids[3]]));
      expect(await store.processedAmong?.(group, [])).toEqual(new Set());
      expect(await store.isProcessed(group, ids[2] ?? '')).toBe(true);
      expect(await store.isProcessed(group, ids[3] ?? '')).toBe(false);
    });

    it('when group and event ids contain separators, then (group, event) pairs never collide', async () => {
      const store = await context.shared().persistence.processedEventStore();
      const prefix = uniqueName('g');
      await store.markProcessed(`${prefix}:a`, 'b');

      expect(await store.isProcessed(`${prefix}:a`, 'b')).toBe(true);
      expect(await store.isProcessed(prefix, 'a:b')).toBe(false);
      expect(await store.isProcessed(`${prefix}:a:b`, '')).toBe(false);
    });

    it('when entries are pruned, then those recorded before the cutoff are forgotten, later ones stay, and an id may be recorded again', async () => {
      // A collection of its own: the cutoff below would prune every other test's entries too.
      const store = await context.shared().persistence.processedEventStore(uniqueName('processed_pruning'));
      const group = uniqueName('group');
      await store.markProcessed(group, 'evt_a');
      await store.markProcessed(group, 'evt_b');

      expect(await store.deleteProcessedBefore(new Date(Date.now() - 60_000))).toBe(0);
      expect(await store.isProcessed(group, 'evt_a')).toBe(true);

      expect(await store.deleteProcessedBefore(new Date(Date.now() + 60_000))).toBe(2);
      expect([await store.isProcessed(group, 'evt_a'), await store.isProcessed(group, 'evt_b')]).toEqual([false, false]);
      await store.markProcessed(group, 'evt_a');
      expect(await store.isProcessed(group, 'evt_a')).toBe(true);
    });
  });
}
