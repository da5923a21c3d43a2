import { createInMemoryPersistence } from '@tenantry/persistence';
import { loadAssistantConfig } from '../assistant-config';
import { actionRegistry } from '../actions/registry';
import { slowAction } from '../test-support/slow-action';
import { tasksCollection } from '../tasks/task.collection';
import { Tasks } from '../tasks/tasks';
import { lanesCollection } from './lane.collection';
import { TaskQueue } from './task-queue';

/**
 * The default lease against a worker that renews nothing for a while (its process starved of CPU, or its
 * event loop busy with other tasks' computations): another replica takes the task over only once the
 * lease has run out, so the default decides whether such a stall runs a task twice.
 */
describe('task lease, with the default configuration', () => {
  async function claimedTask() {
    const config = loadAssistantConfig({});
    let now = new Date('2026-12-05T12:00:00.000Z');
    const persistence = createInMemoryPersistence();
    const [tasks, lanes] = await Promise.all([persistence.repository(tasksCollection), persistence.repository(lanesCollection)]);
    const queue = new TaskQueue({ tasks, lanes, outbox: { notify: () => undefined }, clock: () => now, leaseMs: config.ASSISTANT_LEASE });
    const service = new Tasks({ tasks, queue, actions: actionRegistry([slowAction().action]), clock: () => now });
    const task = await service.create('ten_stall', 'pro', {
      action: 'test_slow',
      parameters: { steps: 1, step_ms: 0, label: 'x' },
      execute: true,
    });
    expect(await queue.claim('worker-stalled', 1)).toEqual([expect.objectContaining({ id: task.id, attempts: 1 })]);
    return {
      config,
      queue,
      after: (ms: number) => (now = new Date(now.getTime() + ms)),
      read: () => tasks.findById('ten_stall', task.id),
    };
  }

  it('when the worker renews nothing for 20 s, then no other replica takes its task over (it still runs attempt 1)', async () => {
    const { queue, after, read } = await claimedTask();
    after(20_000);
    expect(await queue.sweep()).toMatchObject({ recovered: 0 });
    expect(await read()).toMatchObject({ status: 'running', lease_owner: 'worker-stalled', attempts: 1 });
  });

  it('when the worker renews nothing for longer than the lease, then its task is queued again for another replica', async () => {
    const { config, queue, after, read } = await claimedTask();
    after(config.ASSISTANT_LEASE + 1);
    expect(await queue.sweep()).toMatchObject({ recovered: 1 });
    expect(await read()).toMatchObject({ status: 'queued', attempts: 1, step: 'queued again after a worker was lost' });
    expect(await queue.claim('worker-other', 1)).toEqual([expect.objectContaining({ lease_owner: 'worker-other', attempts: 2 })]);
  });
});
