import { ValidationFailedError } from '@tenantry/contracts';
import type { PendingOutboxEvent } from '@tenantry/event-bus';
import { eventually } from '@tenantry/testing';
import type { ContractContext } from '../repository.contract';
import { buildEvent, buildWidget, newTenantId } from '../widgets';

const LONG_LEASE = 60_000;
const ids = (pending: readonly PendingOutboxEvent[]): string[] => pending.map((item) => item.event.id);

export function outboxContract(context: ContractContext): void {
  describe('outbox in the document', () => {
    it('when a write carries events, then they are pending with the state, in the order given', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const events = [buildEvent(tenantId, 'widget.created', { n: 1 }), buildEvent(tenantId, 'widget.priced', { n: 2 })];
      const widget = await widgets.insert(tenantId, buildWidget(), { events });

      const pending = await persistence.createOutboxSource().claimPending(10, LONG_LEASE);

      expect(pending).toEqual(
        events.map((event) => ({ ref: { collection: widgets.collection, documentId: widget.id, eventId: event.id }, event, attempts: 0 })),
      );
    });

    it('when a write fails validation, then its events are not pending either', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const invalid = { ...buildWidget(), price: -5 };
      await expect(widgets.insert(tenantId, invalid, { events: [buildEvent(tenantId)] })).rejects.toBeInstanceOf(ValidationFailedError);
      expect(await persistence.createOutboxSource().claimPending(10, LONG_LEASE)).toEqual([]);
    });

    it('when one relay holds a batch, then a second gets nothing until the lease expires, then gets it again', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const event = buildEvent(tenantId);
      await widgets.insert(tenantId, buildWidget(), { events: [event] });
      const [first, second] = [persistence.createOutboxSource(), persistence.createOutboxSource()];

      expect(ids(await first.claimPending(10, 400))).toEqual([event.id]);
      expect(await second.claimPending(10, LONG_LEASE)).toEqual([]);

      const reclaimed = await eventually(
        async () => {
          const batch = await second.claimPending(10, LONG_LEASE);
          return batch.length > 0 && batch;
        },
        { description: 'the expired lease to be claimable again', timeoutMs: 5_000 },
      );
      expect(ids(reclaimed)).toEqual([event.id]);
    });

    it('when a batch is marked published, then exactly those entries go and newer ones written meanwhile stay', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const outbox = persistence.createOutboxSource();
      const created = buildEvent(tenantId, 'widget.created');
      const widget = await widgets.insert(tenantId, buildWidget(), { events: [created] });
      const batch = await outbox.claimPending(10, LONG_LEASE);
      const priced = buildEvent(tenantId, 'widget.priced');
      await widgets.update(tenantId, widget.id, { price: 1 }, { events: [priced] });

      await outbox.markPublished(batch.map((item) => item.ref));

      expect(ids(await outbox.claimPending(10, LONG_LEASE))).toEqual([priced.id]);
      expect(await widgets.findById(tenantId, widget.id)).toMatchObject({ price: 1, version: 2 });
    });

    it('when publishing failed, then the attempt is counted and the events are claimable again at once', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const outbox = persistence.createOutboxSource();
      const event = buildEvent(tenantId);
      await widgets.insert(tenantId, buildWidget(), { events: [event] });

      await outbox.markFailed(
        (await outbox.claimPending(10, LONG_LEASE)).map((item) => item.ref),
        'broker unavailable',
      );
      const retried = await outbox.claimPending(10, LONG_LEASE);
      await outbox.markFailed(
        retried.map((item) => item.ref),
        'still unavailable',
      );

      expect(retried).toEqual([expect.objectContaining({ event, attempts: 1 })]);
      expect(await outbox.claimPending(10, LONG_LEASE)).toEqual([expect.objectContaining({ event, attempts: 2 })]);
    });

    it("when a tenant's events span documents and collections, then they are claimed in commit order", async () => {
      const { widgets, gadgets, persistence } = await context.fresh();
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      const expected: Record<string, string[]> = { [tenantA]: [], [tenantB]: [] };
      const emit = (tenantId: string, type: string) => {
        const event = buildEvent(tenantId, type);
        expected[tenantId]?.push(event.id);
        return { events: [event] };
      };
      const x = await widgets.insert(tenantA, buildWidget(), emit(tenantA, 'widget.created'));
      await gadgets.insert(tenantB, { label: 'b1' }, emit(tenantB, 'gadget.created'));
      await gadgets.insert(tenantA, { label: 'a' }, emit(tenantA, 'gadget.created'));
      await widgets.update(tenantA, x.id, { price: 3 }, emit(tenantA, 'widget.priced'));
      await widgets.insert(tenantB, buildWidget(), emit(tenantB, 'widget.created'));
      await widgets.insert(tenantA, buildWidget(), emit(tenantA, 'widget.created'));
      await widgets.delete(tenantA, x.id, emit(tenantA, 'widget.deleted'));

      const claimed = await persistence.createOutboxSource().claimPending(100, LONG_LEASE);

      for (const tenantId of [tenantA, tenantB]) {
        expect(claimed.filter((item) => item.event.subject === tenantId).map((item) => item.event.id)).toEqual(expected[tenantId]);
      }
    });

    it('when more events are pending than the limit, then the oldest come first and the rest follow after acknowledgement', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const outbox = persistence.createOutboxSource();
      const first = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId), buildEvent(tenantId)] });
      await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
      await widgets.update(tenantId, first.id, { price: 9 }, { events: [buildEvent(tenantId)] });
      const all = [];

      for (let round = 0; round < 5; round += 1) {
        const batch = await outbox.claimPending(1, LONG_LEASE);
        if (batch.length === 0) break;
        expect(batch).toHaveLength(1);
        all.push(...batch);
        await outbox.markPublished(batch.map((item) => item.ref));
      }

      expect(all).toHaveLength(4);
      expect(all.map((item) => item.ref.documentId)).toEqual([first.id, first.id, expect.any(String), first.id]);
      expect(await outbox.claimPending(10, LONG_LEASE)).toEqual([]);
    });

    it('when a document is deleted with an event, then the event is delivered and afterwards no trace is left', async () => {
      const { widgets, persistence } = await context.fresh();
      const tenantId = newTenantId();
      const outbox = persistence.createOutboxSource();
      const widget = await widgets.insert(tenantId, buildWidget());
      const deleted = buildEvent(tenantId, 'widget.deleted');

      await widgets.delete(tenantId, widget.id, { events: [deleted] });
      expect(await widgets.findById(tenantId, widget.id)).toBeNull();
      expect(await widgets.admin.findByIdAcrossTenants(widget.id)).toBeNull();
      const batch = await outbox.claimPending(10, LONG_LEASE);
      await outbox.markPublished(batch.map((item) => item.ref));

      expect(ids(batch)).toEqual([deleted.id]);
      expect(await outbox.claimPending(10, LONG_LEASE)).toEqual([]);
      await expect(widgets.insert(tenantId, buildWidget(), { id: widget.id })).resolves.toMatchObject({ id: widget.id });
    });
  });
}
