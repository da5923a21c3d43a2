import { ConflictError } from '@tenantry/contracts';
import { describeWithInfra, uniqueName } from '@tenantry/testing';
import mongoose from 'mongoose';
import { DocumentLocks } from './write-guard';

type LockDocument = { _id: string; expiresAt: Date };

/**
 * The per-document locks FerretDB's conditional writes run under (see write-guard.ts), on a real
 * database: a writer takes the current and the next time slot's lock in one ordered insert, a second
 * process meanwhile is refused without leaving a lock of its own behind, and the locks go when the write ends.
 * Each DocumentLocks instance stands for one process (within a process its mutex already serializes).
 */
describeWithInfra('DocumentLocks on FerretDB/MongoDB', ['mongo'], (infra) => {
  // A day-long slot: the slot a test computes is the one the locks take (a test runs for milliseconds).
  const slotMs = 24 * 60 * 60 * 1000;
  const slot = (): number => Math.floor(Date.now() / slotMs);
  let connection: mongoose.Connection;
  let locks: mongoose.mongo.Collection<LockDocument>;
  const inserts: Array<{ collection: string; documents: number }> = [];

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(infra.mongodbUri, {
        monitorCommands: true,
        serverSelectionTimeoutMS: 2000,
        autoCreate: false,
        bufferCommands: false,
      })
      .asPromise();
    if (!connection.db) throw new Error('not connected');
    locks = connection.db.collection<LockDocument>(uniqueName('document_locks'));
    connection.getClient().on('commandStarted', (event) => {
      if (event.commandName !== 'insert' || event.command['insert'] !== locks.collectionName) return;
      inserts.push({ collection: locks.collectionName, documents: (event.command['documents'] as unknown[]).length });
    });
  });
  afterAll(async () => {
    await locks.drop().catch(() => undefined);
    await connection.close();
  });
  beforeEach(() => {
    inserts.length = 0;
  });

  const lockIdsOf = async (key: string): Promise<string[]> =>
    (await locks.find({ _id: { $regex: `^${key}#` } }).toArray()).map((lock) => lock._id).sort();

  it('when a writer runs, then it holds the current and the next slot of the document in one insert, and none once it is done', async () => {
    const guard = new DocumentLocks(locks, { slotMs });
    const now = slot();

    const heldDuringWrite = await guard.run('widgets', 'w-1', () => lockIdsOf('widgets/w-1'));

    expect(heldDuringWrite).toEqual([`widgets/w-1#${now}`, `widgets/w-1#${now + 1}`].sort());
    expect(inserts).toEqual([{ collection: locks.collectionName, documents: 2 }]);
    expect(await lockIdsOf('widgets/w-1')).toEqual([]);
  });

  it('when another process holds the document, then a second writer is refused, takes no lock, and gets it after the release', async () => {
    const first = new DocumentLocks(locks, { slotMs, acquireTimeoutMs: 200 });
    const second = new DocumentLocks(locks, { slotMs, acquireTimeoutMs: 200 });
    const now = slot();
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = (): void => undefined;
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const firstWrite = first.run('widgets', 'w-2', async () => {
      entered();
      await released;
      return 'first';
    });
    await holding;

    const refused = await second.run('widgets', 'w-2', () => Promise.resolve('second')).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ConflictError);
    expect(await lockIdsOf('widgets/w-2')).toEqual([`widgets/w-2#${now}`, `widgets/w-2#${now + 1}`].sort());
    release();
    await expect(firstWrite).resolves.toBe('first');
    expect(await lockIdsOf('widgets/w-2')).toEqual([]);
    await expect(second.run('widgets', 'w-2', () => Promise.resolve('second'))).resolves.toBe('second');
  });

  it('when only the next slot is held (a process a slot ahead), then a writer is refused and removes the lock it did take, not the other', async () => {
    const now = slot();
    await locks.insertOne({ _id: `widgets/w-3#${now + 1}`, expiresAt: new Date((now + 3) * slotMs) });
    const guard = new DocumentLocks(locks, { slotMs, acquireTimeoutMs: 100 });

    const refused = await guard.run('widgets', 'w-3', () => Promise.resolve('written')).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ConflictError);
    expect(await lockIdsOf('widgets/w-3')).toEqual([`widgets/w-3#${now + 1}`]);
  });
});
