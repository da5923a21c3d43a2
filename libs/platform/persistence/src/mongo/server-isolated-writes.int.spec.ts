import { describeWithInfra } from '@tenantry/testing';
import mongoose from 'mongoose';

interface Counter {
  _id: string;
  version: number;
  n: number;
}

/**
 * What `auto` relies on when it makes conditional writes on the server (connect.ts): the database
 * isolates single-document writes. MongoDB does; FerretDB 1.x does not (concurrent `$inc`s lose
 * increments), except as infra/local builds it (infra/local/ferretdb/isolated-writes.sed), which says
 * so in buildInfo. Four connections stand for four processes.
 */
describeWithInfra('the database behind the tests: single-document writes from four processes', ['mongo'], (infra) => {
  const connections: mongoose.Connection[] = [];
  const collectionName = `isolated_writes_${Date.now().toString(36)}`;
  const counters = () => connections.map((connection) => connection.db?.collection<Counter>(collectionName));

  beforeAll(async () => {
    for (let i = 0; i < 4; i += 1) connections.push(await mongoose.createConnection(infra.mongodbUri, { maxPoolSize: 2 }).asPromise());
  });
  afterAll(async () => {
    await connections[0]?.db
      ?.collection(collectionName)
      .drop()
      .catch(() => undefined);
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('when it is FerretDB, then it is the build that isolates writes (and says so)', async () => {
    const buildInfo = await connections[0]?.db?.admin().command({ buildInfo: 1 });
    if (buildInfo && 'ferretdbVersion' in buildInfo) expect(buildInfo['tenantryIsolatedWrites']).toBe(true);
  });

  it('when four updates expect the same version at once, then exactly one of them changes the document', async () => {
    const [first] = counters();
    for (let round = 0; round < 5; round += 1) {
      const _id = `version-${round}`;
      await first?.insertOne({ _id, version: 1, n: 0 });
      const results = await Promise.all(counters().map((counter) => counter?.updateOne({ _id, version: 1 }, { $set: { version: 2 } })));
      expect(results.map((result) => result?.modifiedCount ?? 0).reduce((sum, modified) => sum + modified, 0)).toBe(1);
    }
  });

  it('when four processes increment one counter 50 times each, then no increment is lost', async () => {
    const [first] = counters();
    await first?.insertOne({ _id: 'increments', version: 1, n: 0 });
    await Promise.all(
      counters().map(async (counter) => {
        for (let i = 0; i < 50; i += 1) await counter?.updateOne({ _id: 'increments' }, { $inc: { n: 1 } });
      }),
    );
    expect((await first?.findOne({ _id: 'increments' }))?.n).toBe(200);
  });
});
