import { InMemoryProcessedEventStore } from '@tenantry/event-bus';
import { PersistentIdempotencyStore } from '@tenantry/http';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { Housekeeping, processedEventsPruning } from './housekeeping';

const DAY = 24 * 60 * 60 * 1000;
const logger = createLogger({ service: 'housekeeping-test', level: 'silent' });

describe('housekeeping', () => {
  let housekeeping: Housekeeping | undefined;
  afterEach(() => housekeeping?.stop());

  it('when processed event ids are older than the retention, then they are forgotten and the newer ones kept', async () => {
    let now = new Date('2026-11-01T00:00:00Z');
    const store = new InMemoryProcessedEventStore(100_000, () => now);
    await store.markProcessed('billing-tenant-events', 'evt_old');
    now = new Date(now.getTime() + 2 * DAY);
    await store.markProcessed('tenants-subscriptions', 'evt_recent');
    await store.markProcessed('billing-tenant-events', 'evt_recent');

    // Seven days and one hour after the first: only it is older than a week.
    housekeeping = new Housekeeping(logger, () => new Date(Date.parse('2026-11-08T01:00:00Z')));
    housekeeping.every(processedEventsPruning(() => Promise.resolve(store), 7 * DAY));
    expect(await housekeeping.runAll()).toEqual({ 'processed-events': 1 });

    expect(await store.isProcessed('billing-tenant-events', 'evt_old')).toBe(false);
    expect(await store.isProcessed('billing-tenant-events', 'evt_recent')).toBe(true);
    expect(await store.isProcessed('tenants-subscriptions', 'evt_recent')).toBe(true);
  });

  it('when a task fails, then the others still run and the failed one is tried again on its next run', async () => {
    const store = new InMemoryProcessedEventStore();
    await store.markProcessed('group', 'evt_1');
    let attempts = 0;
    housekeeping = new Housekeeping(logger, () => new Date(Date.now() + 30 * DAY));
    housekeeping.every(
      processedEventsPruning(() => {
        attempts += 1;
        return attempts === 1 ? Promise.reject(new Error('database down')) : Promise.resolve(store);
      }, DAY),
    );
    housekeeping.every({ name: 'other', run: () => Promise.resolve(3) });

    expect(await housekeeping.runAll()).toEqual({ 'processed-events': undefined, other: 3 });
    expect(await housekeeping.runAll()).toEqual({ 'processed-events': 1, other: 3 });
    expect(await store.isProcessed('group', 'evt_1')).toBe(false);
  });

  it("when two services of one process register their idempotency store's pruning, then it runs once per round", async () => {
    const persistence = createInMemoryPersistence();
    const [forTenants, forBilling] = await Promise.all([
      PersistentIdempotencyStore.open(persistence),
      PersistentIdempotencyStore.open(persistence),
    ]);
    const runs: string[] = [];
    housekeeping = new Housekeeping(logger);
    for (const store of [forTenants, forBilling]) {
      const task = store.pruningTask();
      housekeeping.every({ name: task.name, run: (now) => (runs.push(task.name), task.run(now)) });
    }
    expect(Object.keys(await housekeeping.runAll())).toEqual(['expired records of idempotency_records']);
    expect(runs).toHaveLength(1);
  });

  it('when it is stopped, then no task is registered or run any more', async () => {
    housekeeping = new Housekeeping(logger);
    await housekeeping.stop();
    housekeeping.every({ name: 'late', run: () => Promise.resolve(1) });
    expect(await housekeeping.runAll()).toEqual({});
  });
});
