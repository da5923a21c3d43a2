import { ConflictError, ServiceUnavailableError } from '@tenantry/contracts';
import { InMemoryCollectionStore } from '../in-memory/in-memory-collection-store';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { LeasedOutboxSource } from './leased-outbox-source';
import { MarkedEntries, headsByToken, markerId } from './outbox-markers';
import type { OutboxEntry, OutboxMarker, StoredRecord } from './records';
import { ScopedRepository } from './scoped-repository';
import type { RecordChange } from './stores';

const LONG_LEASE = 60_000;

/** An in-memory store whose state writes wait until the test lets them through. */
class GatedStore extends InMemoryCollectionStore {
  private gate: Promise<void> | undefined;
  private open: () => void = () => undefined;
  /** Resolves when a state write is waiting at the gate. */
  waiting: Promise<void> = Promise.resolve();
  private arrived: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
    this.waiting = new Promise((resolve) => {
      this.arrived = resolve;
    });
  }

  release(): void {
    const open = this.open;
    this.gate = undefined;
    open();
  }

  override async insert(record: StoredRecord): Promise<void> {
    await this.pass();
    return super.insert(record);
  }

  override async updateIfVersion(id: string, tenantId: string, version: number, change: RecordChange): Promise<boolean> {
    await this.pass();
    return super.updateIfVersion(id, tenantId, version, change);
  }

  private async pass(): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    this.arrived();
    await gate;
  }
}

function setUp(staleMarkerMs?: number) {
  const definition = widgetCollection();
  const store = new GatedStore(definition);
  const widgets = new ScopedRepository(definition, store);
  const outbox = new LeasedOutboxSource(() => [store], undefined, staleMarkerMs === undefined ? {} : { staleMarkerMs });
  const drain = async () => {
    const batch = await outbox.claimPending(100, LONG_LEASE);
    await outbox.markPublished(batch.map((item) => item.ref));
    return batch.map((item) => item.event.id);
  };
  return { store, widgets, outbox, drain, tenantId: newTenantId() };
}

const markersOf = async (store: InMemoryCollectionStore): Promise<OutboxMarker[]> => store.listMarkers(1000);

describe('outbox markers', () => {
  it('when marker ids are built, then different (document, token) pairs never collide', () => {
    expect(markerId('a#b', 'c')).toBe('a#b#c');
    const ids = [markerId('x', '0123456789abcdef'), markerId('x#0123456789abcdef', 'legacy'), markerId('x#legacy', '0123456789abcdef')];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when entries carry tokens, then the head per token is their oldest sequence; unstamped ones count as legacy', () => {
    const entry = (seq: number, marker?: string): OutboxEntry => ({
      eventId: `e${seq}`,
      seq,
      payload: '{}',
      attempts: 0,
      ...(marker ? { marker } : {}),
    });
    expect(headsByToken([entry(5, 'a'), entry(3, 'a'), entry(4, 'b'), entry(1)])).toEqual(
      new Map([
        ['a', 3],
        ['b', 4],
        ['legacy', 1],
      ]),
    );
  });

  it('when a write is refused, then its marker goes at once; after an unknown outcome it stays (it may have landed)', async () => {
    const store = new InMemoryCollectionStore(widgetCollection());
    const entry: OutboxEntry = { eventId: 'e', seq: 1, payload: '{}', attempts: 0 };
    const refused = new MarkedEntries(store, [entry]);
    const unknown = new MarkedEntries(store, [entry]);
    await refused.beforeWrite('doc');
    await refused.beforeWrite('doc'); // a retry reuses the marker
    await unknown.beforeWrite('doc');
    expect(await markersOf(store)).toHaveLength(2);

    await refused.afterFailure(new ConflictError('taken'));
    await unknown.afterFailure(new ServiceUnavailableError('down'));

    expect((await markersOf(store)).map((marker) => marker.token)).toEqual([unknown.entries[0]?.marker]);
  });

  it('when events are written, published and drained, then markers come and go with them', async () => {
    const { store, widgets, drain, tenantId } = setUp();
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
    await widgets.update(tenantId, widget.id, { price: 1 }, { events: [buildEvent(tenantId), buildEvent(tenantId)] });
    await widgets.update(tenantId, widget.id, { price: 2 }); // no events: no marker
    expect((await markersOf(store)).map((marker) => marker.doc)).toEqual([widget.id, widget.id]);

    expect(await drain()).toHaveLength(3);
    expect(await markersOf(store)).toEqual([]);
  });

  it('when only some of a write’s events are published, then its marker stays with its head moved forward', async () => {
    const { store, widgets, outbox, tenantId } = setUp();
    const events = [buildEvent(tenantId), buildEvent(tenantId)];
    await widgets.insert(tenantId, buildWidget(), { events });
    const [before] = await markersOf(store);

    const first = await outbox.claimPending(1, LONG_LEASE);
    await outbox.markPublished(first.map((item) => item.ref));

    const [after] = await markersOf(store);
    expect(first.map((item) => item.event.id)).toEqual([events[0]?.id]);
    expect(after?._id).toBe(before?._id);
    expect(after?.head).toBeGreaterThan(before?.head ?? Number.POSITIVE_INFINITY);
  });

  it('when a write with events fails on a unique key or a stale version, then it leaves no marker', async () => {
    const { store, widgets, tenantId } = setUp();
    const taken = await widgets.insert(tenantId, buildWidget());
    await expect(widgets.insert(tenantId, buildWidget({ sku: taken.sku }), { events: [buildEvent(tenantId)] })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await widgets.update(tenantId, taken.id, { price: 5 });
    await expect(
      widgets.update(tenantId, taken.id, { price: 6 }, { expectedVersion: 1, events: [buildEvent(tenantId)] }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await markersOf(store)).toEqual([]);
  });

  it('when the relay drains a document while an update with events is between its marker and its write, then the new events are still delivered', async () => {
    const { store, widgets, drain, tenantId } = setUp();
    const created = buildEvent(tenantId, 'widget.created');
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [created] });
    const priced = buildEvent(tenantId, 'widget.priced');

    store.close();
    const update = widgets.update(tenantId, widget.id, { price: 7 }, { events: [priced] });
    await store.waiting; // the marker of `priced` is written, the state write is held
    expect(await drain()).toEqual([created.id]); // drains the document and removes the marker of `created`
    store.release();
    await update;

    expect(await drain()).toEqual([priced.id]);
    expect(await markersOf(store)).toEqual([]);
  });

  it('when the relay runs while an insert with events is in flight, then it keeps the young marker and delivers the event once it lands', async () => {
    const { store, widgets, drain, tenantId } = setUp();
    const event = buildEvent(tenantId);

    store.close();
    const insert = widgets.insert(tenantId, buildWidget(), { events: [event] });
    await store.waiting;
    expect(await drain()).toEqual([]);
    expect(await markersOf(store)).toHaveLength(1);
    store.release();
    await insert;

    expect(await drain()).toEqual([event.id]);
  });

  it('when a writer died between its marker and its write, then the relay removes the marker once it is older than the grace period', async () => {
    const young = setUp(60_000);
    const old = setUp(0);
    for (const { store, widgets, tenantId } of [young, old]) {
      const widget = await widgets.insert(tenantId, buildWidget());
      await store.addMarker({
        _id: markerId(widget.id, 'feedfeedfeedfeed'),
        doc: widget.id,
        token: 'feedfeedfeedfeed',
        head: 1,
        at: Date.now() - 1,
      });
      await store.addMarker({
        _id: markerId('never-inserted', 'feedfeedfeedfeed'),
        doc: 'never-inserted',
        token: 'feedfeedfeedfeed',
        head: 2,
        at: Date.now() - 1,
      });
    }

    expect(await young.drain()).toEqual([]);
    expect(await old.drain()).toEqual([]);

    expect(await markersOf(young.store)).toHaveLength(2);
    expect(await markersOf(old.store)).toEqual([]);
  });

  it('when an old marker still has pending entries in its document, then it stays however old it is', async () => {
    const { store, widgets, outbox, tenantId } = setUp(0);
    const event = buildEvent(tenantId);
    await widgets.insert(tenantId, buildWidget(), { events: [event] });

    await outbox.markFailed(
      (await outbox.claimPending(10, LONG_LEASE)).map((item) => item.ref),
      'broker down',
    );

    expect((await outbox.claimPending(10, LONG_LEASE)).map((item) => [item.event.id, item.attempts])).toEqual([[event.id, 1]]);
    expect(await markersOf(store)).toHaveLength(1);
  });

  it('when events are published, then they stay in the document until its next write drops them, and are never claimed again', async () => {
    const { store, widgets, drain, tenantId } = setUp();
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
    await drain();
    expect((await store.get(widget.id))?._outbox).toHaveLength(1);
    expect(await drain()).toEqual([]);

    const next = buildEvent(tenantId);
    await widgets.update(tenantId, widget.id, { price: 3 }, { events: [next] });

    expect((await store.get(widget.id))?._outbox.map((entry) => entry.eventId)).toEqual([next.id]);
    expect(await drain()).toEqual([next.id]);
    await widgets.update(tenantId, widget.id, { price: 4 });
    expect((await store.get(widget.id))?._outbox).toEqual([]);
  });

  it('when a write lands while earlier events of the document are still pending, then it keeps them', async () => {
    const { widgets, outbox, drain, tenantId } = setUp();
    const first = buildEvent(tenantId);
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [first] });
    const claimed = await outbox.claimPending(10, LONG_LEASE); // in flight while the document changes
    const second = buildEvent(tenantId);
    await widgets.update(tenantId, widget.id, { price: 3 }, { events: [second] });
    await outbox.markPublished(claimed.map((item) => item.ref));

    expect(claimed.map((item) => item.event.id)).toEqual([first.id]);
    expect(await drain()).toEqual([second.id]);
  });

  it('when one relay holds a collection, then another gets nothing from it until the first has marked its batch', async () => {
    const { store, widgets, outbox, tenantId } = setUp();
    const event = buildEvent(tenantId);
    await widgets.insert(tenantId, buildWidget(), { events: [event] });
    const other = new LeasedOutboxSource(() => [store]);

    const batch = await outbox.claimPending(10, LONG_LEASE);
    expect(await other.claimPending(10, LONG_LEASE)).toEqual([]);
    await outbox.markFailed(
      batch.map((item) => item.ref),
      'broker down',
    );

    expect((await other.claimPending(10, LONG_LEASE)).map((item) => item.event.id)).toEqual([event.id]);
  });
});
