import { createInMemoryPersistence } from '@tenantry/persistence';
import { actionRegistry } from '../actions/registry';
import { slowAction } from '../test-support/slow-action';
import { tasksCollection, type Task } from '../tasks/task.collection';
import { Tasks } from '../tasks/tasks';
import { lanesCollection } from './lane.collection';
import { TaskQueue } from './task-queue';

const LEASE_MS = 30_000;

/**
 * Per-plan concurrency across replicas (a pro tenant runs 2 tasks at once): a claim takes a slot on the
 * tenant's lane, and a task that ends gives it back by ending — no write to the lane — so the next claim
 * sees the room as soon as the task is over, and never more tasks run at once than the plan allows.
 */
describe('task queue: per-plan concurrency', () => {
  async function proTenantWith(queued: number) {
    let now = new Date('2026-12-06T02:00:00.000Z');
    const persistence = createInMemoryPersistence();
    const [tasks, lanes] = await Promise.all([persistence.repository(tasksCollection), persistence.repository(lanesCollection)]);
    const queue = new TaskQueue({ tasks, lanes, outbox: { notify: () => undefined }, clock: () => now, leaseMs: LEASE_MS });
    const service = new Tasks({ tasks, queue, actions: actionRegistry([slowAction().action]), clock: () => now });
    for (let i = 0; i < queued; i += 1) {
      await service.create('ten_pro', 'pro', { action: 'test_slow', parameters: { steps: 1, step_ms: 0, label: `t${i}` }, execute: true });
      now = new Date(now.getTime() + 1);
    }
    const running = async () => (await tasks.list('ten_pro', { filter: { status: 'running' }, limit: 100 })).items.length;
    /** Ends the task as its worker does: the task document only. */
    const end = (task: Task, changes: Partial<Task>) =>
      tasks.update('ten_pro', task.id, { ...changes, lease_owner: undefined, lease_until: undefined }, { expectedVersion: task.version });
    return { queue, running, end, after: (ms: number) => (now = new Date(now.getTime() + ms)), clock: () => now };
  }

  it('when a pro tenant has 4 tasks queued, then two replicas together run only 2 at once, and a third starts once one of them has ended', async () => {
    const { queue, running, end, clock } = await proTenantWith(4);

    const first = await queue.claim('worker-1', 8);
    expect(first).toHaveLength(2);
    expect(await queue.claim('worker-2', 8)).toEqual([]);
    expect(await running()).toBe(2);

    await end(first[0] as Task, { status: 'succeeded', finished_at: clock() });
    const next = await queue.claim('worker-2', 8);

    expect(next).toHaveLength(1);
    expect(await running()).toBe(2);
    expect(await queue.claim('worker-1', 8)).toEqual([]);
  });

  it('when a running task is queued again for a retry, then its slot is free for the next task and the retry', async () => {
    const { queue, running, clock } = await proTenantWith(3);
    const [retried, other] = await queue.claim('worker-1', 8);
    if (!retried || !other) throw new Error('expected two claims');

    expect(await queue.requeue(retried, { error: 'boom' }, clock())).not.toBeNull();
    const next = await queue.claim('worker-2', 8);

    expect(next).toHaveLength(1);
    expect(await running()).toBe(2);
  });

  it('when the worker of a running task stops renewing its lease, then its slot no longer holds once the lease has run out', async () => {
    const { queue, running, after } = await proTenantWith(3);
    expect(await queue.claim('worker-dead', 8)).toHaveLength(2);

    after(LEASE_MS - 1);
    expect(await queue.claim('worker-2', 8)).toEqual([]);
    after(2);
    expect(await queue.sweep()).toMatchObject({ recovered: 2 });
    const taken = await queue.claim('worker-2', 8);

    expect(taken).toHaveLength(2);
    expect(taken.every((task) => task.lease_owner === 'worker-2')).toBe(true);
    expect(await running()).toBe(2);
  });
});
