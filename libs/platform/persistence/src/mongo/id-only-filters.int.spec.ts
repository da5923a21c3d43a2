import { describeWithInfra, uniqueName } from '@tenantry/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { MongoPersistence } from './connect';
import { markerCollectionName } from './mongo-collection-store';
import { DocumentLocks } from './write-guard';

/**
 * FerretDB 1.x (SQLite) pushes down only a bare `{ _id }` filter; any other filter decodes every
 * document of the collection, so a hot path that issues one gets slower with every document stored
 * (see BENCHMARKS.md). This watches the commands the hot paths send to a document collection and the
 * processed-event collection, on the code path of a stock FerretDB (per-document locks, point reads).
 * infra/local's build also pushes a plain `_id` down when the filter has more fields, and isolates
 * writes, so there conditional writes carry their condition in the filter, as on MongoDB.
 */
describeWithInfra('MongoDB persistence: hot paths address documents by _id only', ['mongo'], (infra) => {
  const logger = pino({ level: 'silent' });
  const definition = widgetCollection();
  const processed = uniqueName('processed');
  let connection: mongoose.Connection;
  let persistence: MongoPersistence;
  const filters: Array<{ command: string; collection: string; filter: unknown }> = [];
  let recording = false;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(infra.mongodbUri, {
        monitorCommands: true,
        serverSelectionTimeoutMS: 2000,
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
      })
      .asPromise();
    if (!connection.db) throw new Error('not connected');
    persistence = new MongoPersistence(connection, new DocumentLocks(connection.db.collection('tenantry_document_locks')), true, logger);
    connection.getClient().on('commandStarted', (event) => {
      if (!recording) return;
      const command = event.command as Record<string, unknown>;
      const collection = String(command[event.commandName]);
      if (collection !== definition.name && collection !== processed) return;
      const queries: Record<string, () => unknown[]> = {
        find: () => [command['filter']],
        update: () => (command['updates'] as Array<{ q: unknown }>).map((update) => update.q),
        delete: () => (command['deletes'] as Array<{ q: unknown }>).map((deletion) => deletion.q),
        findAndModify: () => [command['query']],
        aggregate: () => [command['pipeline']],
        count: () => [command['query']],
      };
      for (const filter of queries[event.commandName]?.() ?? []) filters.push({ command: event.commandName, collection, filter });
    });
  });
  afterAll(async () => {
    for (const name of [definition.name, markerCollectionName(definition.name), processed])
      await connection.db?.dropCollection(name).catch(() => undefined);
    await persistence.close();
  });

  it('when documents are written, read by id, relayed and processed, then every filter on those collections is a bare _id (or a batch of them)', async () => {
    const widgets = await persistence.repository(definition);
    const store = await persistence.processedEventStore(processed);
    const [tenantId, other] = [newTenantId(), newTenantId()];
    const filler = await Promise.all(Array.from({ length: 5 }, () => widgets.insert(tenantId, buildWidget())));
    recording = true;

    const widget = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
    await widgets.findById(tenantId, widget.id);
    await widgets.findById(other, widget.id);
    await widgets.admin.findByIdAcrossTenants(widget.id);
    await widgets.update(tenantId, widget.id, { price: 1 }, { events: [buildEvent(tenantId)] });
    await widgets.update(tenantId, widget.id, { price: 2 }, { expectedVersion: 1 }).catch(() => undefined);
    await widgets.delete(tenantId, filler[0]?.id ?? '', { events: [buildEvent(tenantId, 'widget.deleted')] });
    await widgets.delete(tenantId, filler[1]?.id ?? '');
    const outbox = persistence.createOutboxSource();
    for (let round = 0; round < 3; round += 1) await outbox.markPublished((await outbox.claimPending(10, 60_000)).map((item) => item.ref));
    await widgets.update(tenantId, widget.id, { price: 3 });
    await store.isProcessed('group', 'event');
    await store.markProcessed('group', 'event');
    recording = false;

    const byId = (filter: unknown): boolean => {
      const keys = Object.keys(filter as object);
      const id = (filter as { _id?: unknown })._id;
      return (
        keys.length === 1 &&
        keys[0] === '_id' &&
        (typeof id === 'string' || (typeof id === 'object' && id !== null && Object.keys(id).join() === '$in'))
      );
    };
    expect(filters.length).toBeGreaterThan(10);
    expect(filters.filter((entry) => !byId(entry.filter))).toEqual([]);
  });
});
