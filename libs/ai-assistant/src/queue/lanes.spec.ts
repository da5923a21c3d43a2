import { ConflictError } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { actionRegistry } from '../actions/registry';
import { countedReads } from '../test-support/counted-reads';
import { slowAction } from '../test-support/slow-action';
import { finishedTask, unlistedQueuedTask } from '../test-support/stored-tasks';
import { tasksCollection, type Task } from '../tasks/task.collection';
import { Tasks } from '../tasks/tasks';
import { laneId, lanesCollection } from './lane.collection';
import { TaskQueue } from './task-queue';

const LEASE_MS = 30_000;
const parameters = (label: string) => ({ steps: 1, step_ms: 0, label });

/**
 * Each lane lists its tenant's queued tasks, so a claim reads the lanes and leases the tasks it takes by
 * `_id`: on FerretDB 1.x any other read of the task collection decodes every task ever stored, and the
 * claim would cost more the longer the platform has run. The entries are hints; the task is the truth.
 */
describe('task queue: lanes list the queued tasks', () => {
  async function queueWith(options: { finished?: number; replicas?: number; maxListed?: number } = {}) {
    let now = new Date('2026-12-06T04:00:00.000Z');
    const persistence = createInMemoryPersistence();
    const [stored, storedLanes] = await Promise.all([persistence.repository(tasksCollection), persistence.repository(lanesCollection)]);
    const counted = countedReads(stored);
    const lanes = countedReads(storedLanes);
    const replicas = Array.from({ length: options.replicas ?? 1 }, () => {
      const queue = new TaskQueue({
        tasks: counted.repository,
        lanes: lanes.repository,
        outbox: { notify: () => undefined },
        clock: () => now,
        leaseMs: LEASE_MS,
        planConcurrency: { basic: 1, pro: 2, enterprise: 100 },
        ...(options.maxListed === undefined ? {} : { maxListed: options.maxListed }),
      });
      return {
        queue,
        service: new Tasks({ tasks: counted.repository, queue, actions: actionRegistry([slowAction().action]), clock: () => now }),
      };
    });
    for (let i = 0; i < (options.finished ?? 0); i += 1) {
      await stored.insert(`ten_old_${i % 7}`, finishedTask(`old-${i}`, now));
    }
    const [first] = replicas;
    if (!first) throw new Error('no replica');
    return {
      ...first,
      replicas,
      tasks: stored,
      lanes: storedLanes,
      taskReads: counted.reads,
      laneReads: lanes.reads,
      after: (ms: number) => (now = new Date(now.getTime() + ms)),
      clock: () => now,
    };
  }

  it('when hundreds of finished tasks are stored, then a claim reads the task collection exactly as with none: only the tasks it leases, by _id', async () => {
    const claimWith = async (finished: number) => {
      const queue = await queueWith({ finished });
      for (let i = 0; i < 12; i += 1)
        await queue.service.create(`ten_${i % 3}`, 'enterprise', { action: 'test_slow', parameters: parameters(`t${i}`), execute: true });
      queue.taskReads.length = 0;
      const claimed = await queue.queue.claim('worker-1', 8);
      return { claimed: claimed.map((task) => task.parameters['label']), reads: [...queue.taskReads] };
    };

    const fresh = await claimWith(0);
    const old = await claimWith(300);

    expect(fresh.claimed).toHaveLength(8);
    expect(old).toEqual(fresh);
    expect(old.reads).toEqual(Array.from({ length: 8 }, () => ({ method: 'update', byId: true, documents: 1 })));
  });

  it('when the writer dies between the task’s write and its lane’s, then the sweep lists the task again and the next claim runs it', async () => {
    const { queue, tasks, clock } = await queueWith();
    const orphan = await tasks.insert('ten_crash', unlistedQueuedTask('orphan', clock()));
    expect(await queue.claim('worker-1', 8)).toEqual([]);

    expect(await queue.sweep()).toEqual({ recovered: 0, relisted: 1 });
    expect(await queue.sweep()).toEqual({ recovered: 0, relisted: 0 });
    expect(await queue.claim('worker-1', 8)).toEqual([expect.objectContaining({ id: orphan.id, status: 'running', attempts: 1 })]);
    expect(await queue.claim('worker-2', 8)).toEqual([]);
  });

  it('when a queued task is cancelled, then no claim runs it and its lane has no work left', async () => {
    const { service, queue, lanes } = await queueWith();
    const task = await service.create('ten_cancel', 'pro', { action: 'test_slow', parameters: parameters('c'), execute: true });
    await service.cancel('ten_cancel', task.id);

    expect(await queue.claim('worker-1', 8)).toEqual([]);
    expect(await lanes.findById('ten_cancel', laneId('ten_cancel'))).toMatchObject({ has_work: false, queued: [] });
    expect(await service.get('ten_cancel', task.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it('when a failed attempt is queued again with a backoff, then no claim takes it before its time and one does after', async () => {
    const { service, queue, after, clock } = await queueWith();
    await service.create('ten_retry', 'pro', { action: 'test_slow', parameters: parameters('r'), execute: true });
    const [running] = await queue.claim('worker-1', 8);
    if (!running) throw new Error('expected a claim');
    await queue.requeue(running, { error: 'boom' }, new Date(clock().getTime() + 10_000));

    after(9_999);
    expect(await queue.claim('worker-2', 8)).toEqual([]);
    after(1);
    expect(await queue.claim('worker-2', 8)).toEqual([expect.objectContaining({ id: running.id, attempts: 2, lease_owner: 'worker-2' })]);
  });

  it('when one tenant submits 60 tasks at once through two replicas, then every submit succeeds, the lane is written far fewer times, and each task is claimed once', async () => {
    const { replicas, queue, laneReads } = await queueWith({ replicas: 2 });
    laneReads.length = 0;

    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        replicas[i % 2]?.service.create('ten_burst', 'enterprise', { action: 'test_slow', parameters: parameters(`b${i}`), execute: true }),
      ),
    );
    const laneWrites = laneReads.filter((read) => read.method === 'update').length;
    const claimed: Task[] = [];
    for (let pass = 0; pass < 10; pass += 1) claimed.push(...(await queue.claim('worker-1', 100)));

    expect(created).toHaveLength(60);
    expect(laneWrites).toBeLessThan(10);
    expect(claimed.map((task) => task.id).sort()).toEqual(created.map((task) => task?.id).sort());
  });

  it('when a task with a given id (a scheduled run) is submitted twice, then the second is refused and the task is listed and run once', async () => {
    const { service, queue, lanes } = await queueWith();
    const create = () =>
      service.create('ten_sched', 'pro', { action: 'test_slow', parameters: parameters('s'), execute: true }, 'tenant', 'tsk_run_1');
    await create();
    await expect(create()).rejects.toBeInstanceOf(ConflictError);

    expect((await lanes.findById('ten_sched', laneId('ten_sched')))?.queued.map((entry) => entry.task_id)).toEqual(['tsk_run_1']);
    expect(await queue.claim('worker-1', 8)).toEqual([expect.objectContaining({ id: 'tsk_run_1' })]);
    expect(await queue.claim('worker-1', 8)).toEqual([]);
  });

  it('when a worker dies and another claims the room its expired leases left, then a sweep still finds its tasks through the lane and queues them again, reading tasks only by _id', async () => {
    const { service, queue, after, taskReads } = await queueWith({ finished: 50 });
    for (let i = 0; i < 4; i += 1)
      await service.create('ten_pro', 'pro', { action: 'test_slow', parameters: parameters(`p${i}`), execute: true });
    const dead = await queue.claim('worker-dead', 8);
    expect(dead).toHaveLength(2);

    after(LEASE_MS + 1);
    expect(await queue.claim('worker-2', 8)).toHaveLength(2);
    taskReads.length = 0;
    expect(await queue.sweep({ relist: false })).toEqual({ recovered: 2, relisted: 0 });

    expect(taskReads.every((read) => read.byId)).toBe(true);
    expect(await queue.claim('worker-3', 8)).toEqual([]); // the pro plan's 2 slots are worker-2's
    expect((await Promise.all(dead.map((task) => service.get('ten_pro', task.id)))).map((task) => task.status)).toEqual([
      'queued',
      'queued',
    ]);
  });

  it('when a tenant’s tasks have finished, then a sweep drops their slots and the next sweep reads no task', async () => {
    const { service, queue, tasks, lanes, taskReads, clock } = await queueWith();
    for (let i = 0; i < 2; i += 1)
      await service.create('ten_idle', 'pro', { action: 'test_slow', parameters: parameters(`i${i}`), execute: true });
    for (const task of await queue.claim('worker-1', 8))
      await tasks.update('ten_idle', task.id, {
        status: 'succeeded',
        finished_at: clock(),
        lease_owner: undefined,
        lease_until: undefined,
      });

    await queue.sweep({ relist: false });
    taskReads.length = 0;
    await queue.sweep({ relist: false });

    expect(await lanes.findById('ten_idle', laneId('ten_idle'))).toMatchObject({ running: [], queued: [], has_work: false });
    expect(taskReads).toEqual([]);
  });

  it('when a tenant keeps submitting while a worker claims, then the claim still takes its queued task in that pass', async () => {
    const persistence = createInMemoryPersistence();
    const [tasks, stored] = await Promise.all([persistence.repository(tasksCollection), persistence.repository(lanesCollection)]);
    let submitsInTheWay = 3;
    // Each of the claim's first three lane writes finds a submit of the same tenant just written before it.
    const lanes: typeof stored = Object.assign(Object.create(stored) as typeof stored, {
      update: async (...args: Parameters<typeof stored.update>) => {
        if ('last_claim_at' in args[2] && submitsInTheWay-- > 0)
          await service.create('ten_busy', 'pro', { action: 'test_slow', parameters: parameters('later'), execute: true });
        return stored.update(...args);
      },
    });
    const clock = () => new Date('2026-12-06T04:00:00.000Z');
    const queue = new TaskQueue({ tasks, lanes, outbox: { notify: () => undefined }, clock, leaseMs: LEASE_MS });
    const service = new Tasks({ tasks, queue, actions: actionRegistry([slowAction().action]), clock });
    const first = await service.create('ten_busy', 'pro', { action: 'test_slow', parameters: parameters('first'), execute: true });

    expect(await queue.claim('worker-1', 1)).toEqual([expect.objectContaining({ id: first.id, lease_owner: 'worker-1' })]);
    expect((await stored.findById('ten_busy', laneId('ten_busy')))?.queued).toHaveLength(3);
  });

  it('when a tenant queues more tasks than its lane lists, then the rest are listed as claims take the lane down, and each task is claimed once', async () => {
    const { service, queue, lanes } = await queueWith({ maxListed: 10 });
    const created = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        service.create('ten_many', 'enterprise', { action: 'test_slow', parameters: parameters(`m${i}`), execute: true }),
      ),
    );
    const lane = () => lanes.findById('ten_many', laneId('ten_many'));
    expect(await lane()).toMatchObject({ overflow: true, has_work: true });
    expect((await lane())?.queued).toHaveLength(10);

    const claimed: Task[] = [];
    const listedSizes: number[] = [];
    for (let pass = 0; pass < 10; pass += 1) {
      claimed.push(...(await queue.claim('worker-1', 6)));
      listedSizes.push((await lane())?.queued.length ?? 0);
    }

    expect(claimed.map((task) => task.id).sort()).toEqual(created.map((task) => task.id).sort());
    expect(Math.max(...listedSizes)).toBeLessThanOrEqual(10);
    expect(await lane()).toMatchObject({ overflow: false, has_work: false, queued: [] });
  });

  it('when an overflowed lane has room but its listing after a claim failed, then the next sweep lists the waiting tasks', async () => {
    const { service, queue, lanes } = await queueWith({ maxListed: 10 });
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        service.create('ten_lost', 'enterprise', { action: 'test_slow', parameters: parameters(`l${i}`), execute: true }),
      ),
    );
    const lane = await lanes.findById('ten_lost', laneId('ten_lost'));
    if (!lane) throw new Error('expected a lane');
    // As if a claim had taken the listed entries off, and then the listing of the others had failed.
    await lanes.update('ten_lost', lane.id, { queued: [], has_work: false }, { expectedVersion: lane.version });
    expect(await queue.claim('worker-1', 100)).toEqual([]);

    await queue.sweep({ relist: false });

    expect(await queue.claim('worker-1', 100)).toHaveLength(10);
    expect(await queue.claim('worker-1', 100)).toHaveLength(5);
  });
});
