import { InMemoryEventBus, OutboxRelay } from '@tenantry/event-bus';
import pino from 'pino';
import { InMemoryCollectionStore } from '../in-memory/in-memory-collection-store';
import { buildEvent, buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { LeasedOutboxSource } from './leased-outbox-source';
import { ScopedRepository } from './scoped-repository';

const LEASE_MS = 60_000;
const logger = pino({ level: 'silent' });

/** The in-memory store, counting the lease writes that took effect (a refused attempt writes nothing). */
class CountingStore extends InMemoryCollectionStore {
  leaseWrites = 0;

  override async acquireLease(now: number, leaseUntil: number, leaseId: string): Promise<boolean> {
    const taken = await super.acquireLease(now, leaseUntil, leaseId);
    if (taken) this.leaseWrites += 1;
    return taken;
  }

  override async releaseLease(leaseId: string): Promise<void> {
    this.leaseWrites += 1;
    return super.releaseLease(leaseId);
  }
}

/** The source's methods as plain functions, so a test can put its own `release` beside them. */
function bindAll(source: LeasedOutboxSource) {
  return {
    claimPending: source.claimPending.bind(source),
    markPublished: source.markPublished.bind(source),
    markFailed: source.markFailed.bind(source),
  };
}

function world() {
  const store = new CountingStore(widgetCollection());
  const widgets = new ScopedRepository(widgetCollection(store.collection), store);
  const write = async (tenantId: string) => {
    const event = buildEvent(tenantId);
    await widgets.insert(tenantId, buildWidget(), { events: [event] });
    return event.id;
  };
  return { store, write };
}

describe('the relay lease: kept while there is work, released when there is none', () => {
  it('when writes keep coming between rounds, then the lease is taken once, not per round, and freed once the outbox is drained', async () => {
    const { store, write } = world();
    const tenantId = newTenantId();
    const [mine, other] = [new LeasedOutboxSource(() => [store]), new LeasedOutboxSource(() => [store])];
    const relayed: string[] = [];
    const written = [await write(tenantId)];
    for (let round = 0; round < 5; round += 1) {
      const batch = await mine.claimPending(1, LEASE_MS);
      written.push(await write(tenantId)); // a new write before this round is marked
      await mine.markPublished(batch.map((item) => item.ref));
      relayed.push(...batch.map((item) => item.event.id));
      expect(await other.claimPending(10, LEASE_MS)).toEqual([]); // still ours: there is work left
    }
    const last = await mine.claimPending(10, LEASE_MS);
    await mine.markPublished(last.map((item) => item.ref));
    relayed.push(...last.map((item) => item.event.id));

    expect(relayed).toEqual(written);
    expect(store.leaseWrites).toBe(2); // taken once, released once drained
    const next = await write(tenantId);
    expect((await other.claimPending(10, LEASE_MS)).map((item) => item.event.id)).toEqual([next]); // free for any relay
  });

  it('when its relay stops with work pending, then the source frees the lease and another relay goes on at once', async () => {
    const { store, write } = world();
    const tenantId = newTenantId();
    const source = new LeasedOutboxSource(() => [store]);
    await write(tenantId);
    const pending = await write(tenantId);
    const first = await source.claimPending(1, LEASE_MS);
    await source.markPublished(first.map((item) => item.ref)); // one left: the lease stays
    const other = new LeasedOutboxSource(() => [store]);
    expect(await other.claimPending(10, LEASE_MS)).toEqual([]);

    const bus = new InMemoryEventBus({ logger });
    const released: string[] = [];
    const relay = new OutboxRelay({
      source: { ...bindAll(source), release: async () => void released.push('released') },
      bus,
      logger,
      pollIntervalMs: 60_000,
    });
    await relay.stop(); // never started: a stop still hands back what the source holds
    await source.release();

    expect(released).toEqual(['released']);
    expect((await other.claimPending(10, LEASE_MS)).map((item) => item.event.id)).toEqual([pending]);
    await bus.close();
  });

  it('when a publish fails, then the lease is freed for another relay', async () => {
    const { store, write } = world();
    const tenantId = newTenantId();
    const [mine, other] = [new LeasedOutboxSource(() => [store]), new LeasedOutboxSource(() => [store])];
    const event = await write(tenantId);
    const batch = await mine.claimPending(10, LEASE_MS);
    await write(tenantId);

    await mine.markFailed(
      batch.map((item) => item.ref),
      'broker down',
    );

    expect((await other.claimPending(10, LEASE_MS)).map((item) => item.event.id)).toContain(event);
  });
});
