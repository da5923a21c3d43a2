import { describeWithInfra, uniqueName } from '@tenantry/testing';
import mongoose from 'mongoose';
import { MongoProcessedEventStore } from './mongo-processed-event-store';

describeWithInfra('MongoDB processed event store', ['mongo'], (infra) => {
  let connection: mongoose.Connection;
  const collections: string[] = [];
  const db = (): mongoose.mongo.Db => {
    if (!connection.db) throw new Error('not connected');
    return connection.db;
  };
  const freshName = () => {
    const name = uniqueName('processed');
    collections.push(name);
    return name;
  };

  beforeAll(async () => {
    connection = await mongoose.createConnection(infra.mongodbUri, { serverSelectionTimeoutMS: 2000 }).asPromise();
  });
  afterAll(async () => {
    for (const name of collections)
      await db()
        .dropCollection(name)
        .catch(() => undefined);
    await connection.close();
  });

  it('when an event is marked, then it is stored under its key alone, and a lookup is by `_id` only', async () => {
    const name = freshName();
    const store = new MongoProcessedEventStore(db(), name);
    await store.ensureIndexes();
    await store.markProcessed('billing', 'evt-1');

    const stored = await db()
      .collection(name)
      .find({ processedAt: { $exists: true } })
      .toArray();
    expect(stored).toEqual([{ _id: '7:billing:evt-1', processedAt: expect.any(Date) }]);
    expect(await store.isProcessed('billing', 'evt-1')).toBe(true);
  });

  it.each([
    ['one `$in` (MongoDB)', false, undefined],
    ['one `$in` of a small collection (FerretDB)', true, undefined],
    ['point reads by `_id` (FerretDB)', true, 0],
  ])('when a batch is checked with %s, then exactly the recorded ids of the group are found', async (_how, pointReadsOnly, scanBelow) => {
    const name = freshName();
    const store = new MongoProcessedEventStore(db(), name, pointReadsOnly, scanBelow);
    await store.ensureIndexes();
    const ids = Array.from({ length: 20 }, (_, i) => `evt-${i}`);
    await store.markAllProcessed(
      'g',
      ids.filter((_, i) => i % 3 === 0),
    );
    await store.markAllProcessed('g', ['evt-0', 'evt-1']); // one recorded before: no error, the other recorded
    await store.markProcessed('other', 'evt-2');

    expect(await store.processedAmong('g', ids)).toEqual(new Set([...ids.filter((_, i) => i % 3 === 0), 'evt-1']));
    expect(
      await db()
        .collection(name)
        .countDocuments({ processedAt: { $exists: true } }),
    ).toBe(9);
  });

  it('when entries are older than the cutoff, then deleteProcessedBefore forgets exactly those', async () => {
    const name = freshName();
    const store = new MongoProcessedEventStore(db(), name);
    await store.ensureIndexes();
    await store.markProcessed('g', 'old');
    await db()
      .collection<{ _id: string }>(name)
      .updateOne({ _id: '1:g:old' }, { $set: { processedAt: new Date(Date.now() - 86_400_000) } });
    await store.markProcessed('g', 'new');

    expect(await store.deleteProcessedBefore(new Date(Date.now() - 3_600_000))).toBe(1);
    expect([await store.isProcessed('g', 'old'), await store.isProcessed('g', 'new')]).toEqual([false, true]);
  });

  it('when the collection holds entries of the earlier { group, eventId } shape, then they still count as processed after the upgrade', async () => {
    const name = freshName();
    const legacy = db().collection(name);
    await legacy.createIndex({ group: 1, eventId: 1 }, { name: 'unique_group_eventId', unique: true });
    await legacy.insertMany([
      { group: 'billing', eventId: 'evt-1', processedAt: new Date() },
      { group: 'billing', eventId: 'evt-2', processedAt: new Date() },
    ]);

    const store = new MongoProcessedEventStore(db(), name);
    await store.ensureIndexes();
    await store.ensureIndexes(); // a second process starting: nothing left to do
    await store.markProcessed('other', 'evt-1'); // would collide on the old index (missing fields)
    await store.markProcessed('other2', 'evt-1');

    expect(await store.isProcessed('billing', 'evt-1')).toBe(true);
    expect(await store.isProcessed('billing', 'evt-2')).toBe(true);
    expect(await store.isProcessed('billing', 'evt-3')).toBe(false);
    expect(await legacy.countDocuments({ _id: { $not: { $type: 'string' } } })).toBe(0);
  });
});
