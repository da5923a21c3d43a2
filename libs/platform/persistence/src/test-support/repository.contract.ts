import type { Persistence } from '../persistence';
import { concurrencyAndUniquenessContract } from './contract/concurrency-and-uniqueness';
import { crudContract } from './contract/crud';
import { outboxContract } from './contract/outbox';
import { paginationContract } from './contract/pagination';
import { processedEventsContract } from './contract/processed-events';
import { tenantIsolationContract } from './contract/tenant-isolation';
import { type World, openWorld } from './widgets';

export interface ContractTarget {
  /** Opens a new handle on the database under test (for MongoDB, a new connection). */
  open(): Promise<Persistence>;
  /** Removes the collections the suite created, if the target keeps data. */
  dropCollections?(names: readonly string[]): Promise<void>;
}

export interface ContractContext {
  /** The world shared by the tests of one file (tests isolate themselves with fresh tenant ids). */
  shared(): World;
  /** A world of its own, for tests that scan the outbox of every collection. */
  fresh(): Promise<World>;
}

/**
 * THE repository contract: every Persistence adapter (in-memory, MongoDB/FerretDB) runs exactly these
 * tests, so embedded mode and real mode cannot drift apart.
 */
export function repositoryContract(adapter: string, target: ContractTarget): void {
  describe(`repository contract (${adapter})`, () => {
    const worlds: World[] = [];
    let sharedWorld: World | undefined;
    const context: ContractContext = {
      shared: () => {
        if (!sharedWorld) throw new Error('shared world not open yet');
        return sharedWorld;
      },
      fresh: async () => {
        const world = await openWorld(() => target.open());
        worlds.push(world);
        return world;
      },
    };

    beforeAll(async () => {
      sharedWorld = await context.fresh();
    });

    afterAll(async () => {
      await target.dropCollections?.(worlds.flatMap((world) => world.collections));
      await Promise.all(worlds.map((world) => world.persistence.close()));
    });

    crudContract(context);
    tenantIsolationContract(context);
    paginationContract(context);
    concurrencyAndUniquenessContract(context);
    outboxContract(context);
    processedEventsContract(context);
  });
}
