import { eventually } from '@tenantry/testing';
import { InMemoryCollectionStore } from '../in-memory/in-memory-collection-store';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { CommittedWrites } from './committed-writes';
import { LeasedOutboxSource } from './leased-outbox-source';
import type { OutboxDocument, StoredRecord } from './records';
import { ScopedRepository } from './scoped-repository';

const LEASE_MS = 60_000;

/** The in-memory store with what the MongoDB store has: remembered commits; and a count of document reads. */
class RememberingStore extends InMemoryCollectionStore {
  readonly committed: CommittedWrites;
  documentsRead = 0;

  constructor(capacity?: number) {
    super(widgetCollection());
    this.committed = new CommittedWrites(capacity);
  }

  /** While set, state writes wait for it: a write under way. */
  gate: Promise<void> | undefined;

  override async insert(record: StoredRecord): Promise<void> {
    await this.gate;
    return super.insert(record);
  }

  override async readOutboxes(ids: readonly string[]): Promise<Map<string, OutboxDocument>> {
    this.documentsRead += ids.length;
    return super.readOutboxes(ids);
  }
}

function world(capacity?: number) {
  const store = new RememberingStore(capacity);
  const definition = widgetCollection(store.collection);
  const widgets = new ScopedRepository(definition, store);
  /** A repository over the same data that remembers nothing: another process's writes. */
  const elsewhere = new ScopedRepository(definition, Object.assign(Object.create(store) as RememberingStore, { committed: undefined }));
  const relay = async () => {
    const source = new LeasedOutboxSource(() => [store]);
    const batch = await source.claimPending(100, LEASE_MS);
    await source.markPublished(batch.map((item) => item.ref));
    return batch.map((item) => item.event.id);
  };
  return { store, widgets, elsewhere, relay };
}

describe('committed writes: the relay of the process that wrote skips reading the documents', () => {
  it('when this process inserted and updated with events, then the claim publishes them in order without reading a document', async () => {
    const { store, widgets, relay } = world();
    const tenantId = newTenantId();
    const [created, renamed] = [buildEvent(tenantId), buildEvent(tenantId, 'widget.updated')];
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [created] });
    await widgets.update(tenantId, widget.id, { price: 3 }, { events: [renamed] });

    expect(await relay()).toEqual([created.id, renamed.id]);
    expect(store.documentsRead).toBe(0);
    expect(store.committed.size).toBe(0); // forgotten with their markers
    expect(await relay()).toEqual([]);
  });

  it('when a write of this process is under way, then a claim skips its marker without reading, and the next claim after the commit relays it', async () => {
    const { store, widgets, relay } = world();
    const tenantId = newTenantId();
    const event = buildEvent(tenantId);
    let open = (): void => undefined;
    store.gate = new Promise((resolve) => (open = resolve));
    const writing = widgets.insert(tenantId, buildWidget(), { events: [event] });
    await eventually(async () => (await store.listMarkers(10)).length === 1, { description: 'the marker to be written' });

    expect(await relay()).toEqual([]);
    expect(store.documentsRead).toBe(0);
    open();
    await writing;
    expect(await relay()).toEqual([event.id]);
    expect(store.documentsRead).toBe(0);
  });

  it('when another process wrote the document, then the claim reads it, and the events are the same', async () => {
    const { store, widgets, elsewhere, relay } = world();
    const tenantId = newTenantId();
    const [ours, theirs] = [buildEvent(tenantId), buildEvent(tenantId, 'widget.updated')];
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [ours] });
    await elsewhere.update(tenantId, widget.id, { price: 4 }, { events: [theirs] });

    expect(await relay()).toEqual([ours.id, theirs.id]);
    expect(store.documentsRead).toBe(1);
  });

  it('when a delete leaves a tombstone, then the claim reads it and the tombstone goes once its events are out', async () => {
    const { store, widgets, relay } = world();
    const tenantId = newTenantId();
    const [created, deleted] = [buildEvent(tenantId), buildEvent(tenantId, 'widget.deleted')];
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [created] });
    await widgets.delete(tenantId, widget.id, { events: [deleted] });

    expect(await relay()).toEqual([created.id, deleted.id]);
    expect(store.documentsRead).toBe(1);
    expect(await store.readOutboxes([widget.id])).toEqual(new Map()); // the tombstone is gone
  });

  it('when more writes committed than it remembers, then the oldest are read from their documents and nothing is lost', async () => {
    const { store, widgets, relay } = world(2);
    const tenantId = newTenantId();
    const events = [buildEvent(tenantId), buildEvent(tenantId), buildEvent(tenantId)];
    for (const event of events) await widgets.insert(tenantId, buildWidget(), { events: [event] });

    expect(await relay()).toEqual(events.map((event) => event.id));
    expect(store.documentsRead).toBe(1);
  });

  it('when a write is refused, then nothing of it is remembered', async () => {
    const { store, widgets } = world();
    const tenantId = newTenantId();
    const widget = await widgets.insert(tenantId, buildWidget());

    await expect(
      widgets.update(tenantId, widget.id, { price: 9 }, { expectedVersion: 5, events: [buildEvent(tenantId)] }),
    ).rejects.toThrow();
    expect(store.committed.size).toBe(0);
  });
});
