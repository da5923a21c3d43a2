import { ConflictError } from '@tenantry/contracts';
import { describeWithInfra } from '@tenantry/testing';
import pino from 'pino';
import type { MongoPersistence } from './connect';
import { connectMongo } from './connect';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';

/**
 * Two connections stand for two processes (each has its own in-process locks), so only the database
 * can keep their writes apart: natively on MongoDB and on FerretDB as infra/local builds it (isolated
 * writes, `auto`), and through the per-document locks (what `auto` picks on any other FerretDB).
 */
describeWithInfra('MongoDB persistence: writes from two processes to one document', ['mongo'], (infra) => {
  describe.each([
    ['the guard auto picks for this server', 'auto'],
    ['per-document locks', 'lock-per-document'],
  ] as const)('%s', (_label, writeGuard) => {
    isolationSpecs(infra, writeGuard);
  });
});

function isolationSpecs(infra: { mongodbUri: string }, writeGuard: 'auto' | 'lock-per-document'): void {
  const logger = pino({ level: 'silent' });
  const definition = widgetCollection();
  let processes: MongoPersistence[] = [];

  beforeAll(async () => {
    processes = [
      await connectMongo({ uri: infra.mongodbUri, logger, writeGuard }),
      await connectMongo({ uri: infra.mongodbUri, logger, writeGuard }),
    ];
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.close()));
  });

  it('when both update with the same expected version, then exactly one wins', async () => {
    const [one, two] = await Promise.all(processes.map((process) => process.repository(definition)));
    if (!one || !two) throw new Error('repositories missing');
    for (let round = 0; round < 5; round += 1) {
      const tenantId = newTenantId();
      const original = await one.insert(tenantId, buildWidget());
      const results = await Promise.allSettled(
        [one, two, one, two].map((repo, index) => repo.update(tenantId, original.id, { price: index }, { expectedVersion: 1 })),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    }
  });

  it('when both keep changing a document and queueing events, then no change and no event is lost', async () => {
    const [one, two] = await Promise.all(processes.map((process) => process.repository(definition)));
    if (!one || !two) throw new Error('repositories missing');
    const tenantId = newTenantId();
    const widget = await one.insert(tenantId, buildWidget());
    const events = Array.from({ length: 12 }, () => buildEvent(tenantId, 'widget.touched'));

    await Promise.all(
      events.map((event, index) =>
        (index % 2 === 0 ? one : two).update(tenantId, widget.id, { note: `touch ${index}` }, { events: [event] }),
      ),
    );

    const pending = await processes[0]?.createOutboxSource().claimPending(100, 60_000);
    expect(new Set(pending?.map((item) => item.event.id))).toEqual(new Set(events.map((event) => event.id)));
    expect((await one.findById(tenantId, widget.id))?.version).toBe(13);
  });
}
