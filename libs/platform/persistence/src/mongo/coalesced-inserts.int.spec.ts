import { describeWithInfra, uniqueName } from '@tenantry/testing';
import mongoose from 'mongoose';
import { CoalescedInserts } from './coalesced-inserts';
import { ConflictError } from '@tenantry/contracts';
import { mongoCall } from './errors';

describeWithInfra('CoalescedInserts (outbox markers of concurrent writes)', ['mongo'], (infra) => {
  let connection: mongoose.Connection;
  const name = uniqueName('coalesced');
  const inserts: number[] = [];
  const db = (): mongoose.mongo.Db => {
    if (!connection.db) throw new Error('not connected');
    return connection.db;
  };

  beforeAll(async () => {
    connection = await mongoose.createConnection(infra.mongodbUri, { serverSelectionTimeoutMS: 2000, monitorCommands: true }).asPromise();
    connection.getClient().on('commandStarted', (event) => {
      const command = event.command as Record<string, unknown>;
      if (event.commandName === 'insert' && command['insert'] === name) inserts.push((command['documents'] as unknown[]).length);
    });
  });
  afterAll(async () => {
    await db()
      .dropCollection(name)
      .catch(() => undefined);
    await connection.close();
  });

  it('when inserts are issued concurrently, then they go out in fewer commands, each resolves once stored, and an existing id counts as done', async () => {
    const collection = db().collection<{ _id: string; n: number }>(name);
    await collection.insertOne({ _id: 'd-0', n: 0 });
    inserts.length = 0;
    const coalesced = new CoalescedInserts(collection);

    await Promise.all(Array.from({ length: 20 }, (_, n) => coalesced.insert({ _id: `d-${n}`, n })));
    await coalesced.insert({ _id: 'd-20', n: 20 });

    expect(await collection.countDocuments({ n: { $gte: 0 } })).toBe(21);
    expect(inserts.reduce((sum, count) => sum + count, 0)).toBe(22); // the existing d-0 is tried once more, alone
    expect(inserts.length).toBeLessThan(21);
  });

  it('when a batch holds a document the server refuses, then only that caller gets the refusal of a single insert and the others are stored', async () => {
    const collection = db().collection<{ _id: string; n: number }>(`${name}-unique`);
    await collection.createIndex({ n: 1 }, { unique: true });
    await collection.insertOne({ _id: 'taken', n: 7 });
    const coalesced = new CoalescedInserts(collection, (document) =>
      mongoCall(name, async () => void (await collection.insertOne(document))),
    );

    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => coalesced.insert({ _id: `u-${n}`, n })));

    const refused = outcomes.flatMap((outcome, n) => (outcome.status === 'rejected' ? [{ n, reason: outcome.reason as unknown }] : []));
    expect(refused.map(({ n }) => n)).toEqual([7]);
    expect(refused[0]?.reason).toBeInstanceOf(ConflictError);
    expect((await collection.find({ _id: { $regex: /^u-/ } }).toArray()).map((document) => document.n).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 8, 9,
    ]);
    await collection.drop();
  });
});
