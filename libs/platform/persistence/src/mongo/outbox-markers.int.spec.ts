import { ConflictError, NotFoundError } from '@tenantry/contracts';
import { describeWithInfra } from '@tenantry/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { type MongoPersistence, connectMongo } from './connect';
import { markerCollectionName } from './mongo-collection-store';

const logger = pino({ level: 'silent' });
const LONG_LEASE = 60_000;

describeWithInfra('MongoDB persistence: outbox markers', ['mongo'], (infra) => {
  let raw: mongoose.Connection;
  const opened: MongoPersistence[] = [];
  const created: string[] = [];

  const db = (): mongoose.mongo.Db => {
    if (!raw.db) throw new Error('not connected');
    return raw.db;
  };
  const open = async (writeGuard?: 'server-atomic') => {
    const persistence = await connectMongo({ uri: infra.mongodbUri, logger, ...(writeGuard ? { writeGuard } : {}) });
    opened.push(persistence);
    return persistence;
  };
  const widgetsIn = async (persistence: MongoPersistence, definition = widgetCollection()) => {
    created.push(definition.name, markerCollectionName(definition.name));
    return {
      widgets: await persistence.repository(definition),
      markers: db().collection<{ _id: string; doc?: string }>(markerCollectionName(definition.name)),
    };
  };
  const markerDocs = async (collection: mongoose.mongo.Collection<{ _id: string; doc?: string }>) =>
    collection.find({ doc: { $exists: true } }).toArray();

  beforeAll(async () => {
    raw = await mongoose.createConnection(infra.mongodbUri, { serverSelectionTimeoutMS: 2000 }).asPromise();
  });
  afterAll(async () => {
    for (const name of created)
      await db()
        .dropCollection(name)
        .catch(() => undefined);
    await Promise.all(opened.map((persistence) => persistence.close()));
    await raw.close();
  });

  it('when writes queue events, then each has a marker in <collection>.outbox until its events are published', async () => {
    const persistence = await open();
    const { widgets, markers } = await widgetsIn(persistence);
    const tenantId = newTenantId();
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
    await widgets.update(tenantId, widget.id, { price: 1 }, { events: [buildEvent(tenantId)] });
    await widgets.update(tenantId, widget.id, { price: 2 });
    expect((await markerDocs(markers)).map((marker) => marker.doc)).toEqual([widget.id, widget.id]);

    const outbox = persistence.createOutboxSource();
    const batch = await outbox.claimPending(10, LONG_LEASE);
    await outbox.markPublished(batch.map((item) => item.ref));

    expect(batch).toHaveLength(2);
    expect(await markerDocs(markers)).toEqual([]);
    expect(await markers.countDocuments({ _id: 'meta:relay-lease' })).toBe(0); // released
  });

  it('when a write with events is refused, then it leaves no marker behind', async () => {
    const persistence = await open();
    const { widgets, markers } = await widgetsIn(persistence);
    const tenantId = newTenantId();
    const taken = await widgets.insert(tenantId, buildWidget());

    await expect(widgets.insert(tenantId, buildWidget({ sku: taken.sku }), { events: [buildEvent(tenantId)] })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(
      widgets.update(tenantId, taken.id, { price: 3 }, { expectedVersion: 7, events: [buildEvent(tenantId)] }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(widgets.update(tenantId, 'wgt_missing', { price: 3 }, { events: [buildEvent(tenantId)] })).rejects.toBeInstanceOf(
      NotFoundError,
    );

    expect(await markerDocs(markers)).toEqual([]);
  });

  it('when published entries are still in a document, then its next write drops them', async () => {
    const persistence = await open();
    const { widgets } = await widgetsIn(persistence);
    const tenantId = newTenantId();
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
    const outbox = persistence.createOutboxSource();
    await outbox.markPublished((await outbox.claimPending(10, LONG_LEASE)).map((item) => item.ref));
    const stored = () => db().collection<{ _id: string; _outbox: unknown[] }>(widgets.collection).findOne({ _id: widget.id });
    expect((await stored())?._outbox).toHaveLength(1);

    await widgets.update(tenantId, widget.id, { price: 5 });

    expect((await stored())?._outbox).toEqual([]);
    expect(await outbox.claimPending(10, LONG_LEASE)).toEqual([]);
  });

  it('when a document has pending events from a version without markers, then registering its collection gives them markers and they are delivered', async () => {
    const definition = widgetCollection();
    const tenantId = newTenantId();
    const event = buildEvent(tenantId);
    const now = new Date();
    // The shape the previous version wrote: outbox entries without tokens, `_outboxHead`, a lease field.
    await db()
      .collection<Record<string, unknown> & { _id: string }>(definition.name)
      .insertOne({
        _id: 'wgt_legacy',
        ...buildWidget(),
        metadata: {},
        tenantId,
        version: 1,
        createdAt: now,
        updatedAt: now,
        _outbox: [{ eventId: event.id, seq: 1, payload: JSON.stringify(event), attempts: 0 }],
        _outboxHead: 1,
        _outboxLeaseUntil: 0,
        _outboxRev: 0,
      });

    const persistence = await open();
    const { widgets, markers } = await widgetsIn(persistence, definition);
    const outbox = persistence.createOutboxSource();
    const batch = await outbox.claimPending(10, LONG_LEASE);
    await outbox.markPublished(batch.map((item) => item.ref));

    expect(batch.map((item) => item.event)).toEqual([event]);
    expect(await markerDocs(markers)).toEqual([]);
    expect(await widgets.findById(tenantId, 'wgt_legacy')).toMatchObject({ id: 'wgt_legacy', version: 1 });
  });

  it('when writes are server-atomic (as on MongoDB, without locks), then conditional writes, tenant checks and the relay lease behave the same', async () => {
    const persistence = await open('server-atomic');
    const { widgets, markers } = await widgetsIn(persistence);
    const [tenantId, other] = [newTenantId(), newTenantId()];
    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });

    expect(await widgets.findById(other, widget.id)).toBeNull();
    await expect(widgets.update(other, widget.id, { price: 1 })).rejects.toBeInstanceOf(NotFoundError);
    const updated = await widgets.update(tenantId, widget.id, { price: 1 }, { expectedVersion: 1, events: [buildEvent(tenantId)] });
    await expect(widgets.update(tenantId, widget.id, { price: 2 }, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect(await widgets.findById(tenantId, widget.id)).toEqual(updated);

    const [first, second] = [persistence.createOutboxSource(), persistence.createOutboxSource()];
    const batch = await first.claimPending(10, LONG_LEASE);
    expect(batch).toHaveLength(2);
    expect(await second.claimPending(10, LONG_LEASE)).toEqual([]); // the collection's lease is taken
    await first.markPublished(batch.map((item) => item.ref));

    await widgets.delete(tenantId, widget.id, { events: [buildEvent(tenantId, 'widget.deleted')] });
    const deleted = await second.claimPending(10, LONG_LEASE);
    await second.markPublished(deleted.map((item) => item.ref));
    expect(deleted.map((item) => item.event.type)).toEqual(['widget.deleted']);
    expect(
      await db()
        .collection(widgets.collection)
        .countDocuments({ _id: widget.id } as never),
    ).toBe(0); // the tombstone is gone
    expect(await markerDocs(markers)).toEqual([]);
    await expect(widgets.insert(other, buildWidget(), { id: widget.id })).resolves.toMatchObject({ tenantId: other });
  });
});
