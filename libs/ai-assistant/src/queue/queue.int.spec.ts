import { connectMongo } from '@tenantry/persistence';
import { createLogger } from '@tenantry/telemetry';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { actionRegistry } from '../actions/registry';
import { API, isolatedEnv, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import { countedReads } from '../test-support/counted-reads';
import { slowAction } from '../test-support/slow-action';
import { finishedTask, unlistedQueuedTask } from '../test-support/stored-tasks';
import { tasksCollection } from '../tasks/task.collection';
import type { TaskView } from '../tasks/task-view';
import { Tasks } from '../tasks/tasks';
import { lanesCollection } from './lane.collection';
import { TaskQueue } from './task-queue';

jest.setTimeout(300_000);

const serviceEnv = { ASSISTANT_LEASE: '1000', ASSISTANT_WORKER_CAPACITY: '2', ASSISTANT_POLL_INTERVAL: '100' };

async function createTask(
  harness: AssistantHarness,
  tenantId: string,
  parameters: Record<string, unknown>,
  planId: 'pro' | 'enterprise' = 'pro',
): Promise<TaskView> {
  const reply = await harness.call(tenantKey(tenantId, planId), 'POST', `${API}/tasks`, { body: { action: 'test_slow', parameters } });
  if (reply.status !== 201) throw new Error(`create answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body as TaskView;
}

async function getTask(harness: AssistantHarness, tenantId: string, id: string): Promise<TaskView> {
  return (await harness.call(tenantKey(tenantId), 'GET', `${API}/tasks/${id}`)).body as TaskView;
}

describeWithInfra('assistant task queue on Kafka and the MongoDB-compatible server, two worker replicas', ['kafka', 'mongo'], (infra) => {
  const env = isolatedEnv(infra, 'assistant-queue');
  const slow = slowAction();
  let one: AssistantHarness;
  let two: AssistantHarness;

  beforeAll(async () => {
    one = await startAssistantHarness({ env, serviceEnv, actions: [slow.action] });
    two = await startAssistantHarness({ env, serviceEnv, actions: [slow.action] });
  });
  afterAll(async () => {
    await Promise.allSettled([one?.close(), two?.close()]);
  });

  const create = createTask;
  const get = getTask;

  it('when a running task is cancelled through the other replica, then its worker stops it within a heartbeat and it never completes', async () => {
    const tenant = uniqueName('ten_cancel');
    const task = await create(one, tenant, { steps: 200, step_ms: 100, label: `cancel-${tenant}` });
    const running = await eventually(
      async () => {
        const current = await get(one, tenant, task.id);
        return current.status === 'running' && current.progress > 0 ? current : false;
      },
      { timeoutMs: 30_000, description: 'the task to be running' },
    );
    const other = [one, two].find((harness) => harness.workers[0]?.owner !== running.worker) ?? two;
    const reply = await other.call(tenantKey(tenant), 'POST', `${API}/tasks/${task.id}/cancel`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'running', cancel_requested: true });
    const cancelled = await eventually(
      async () => {
        const current = await get(other, tenant, task.id);
        return current.status === 'cancelled' ? current : false;
      },
      { timeoutMs: 10_000, description: 'the task to be cancelled' },
    );
    expect(cancelled.progress).toBeLessThan(90);
    expect(slow.completions.get(`cancel-${tenant}`)).toBeUndefined();
  });

  it('when the worker running a task dies mid-task, then the other replica takes it over and it completes exactly once', async () => {
    const tenant = uniqueName('ten_crash');
    const task = await create(one, tenant, { steps: 10, step_ms: 150, label: `crash-${tenant}` });
    const running = await eventually(
      async () => {
        const current = await get(one, tenant, task.id);
        return current.status === 'running' && current.progress >= 18 ? current : false;
      },
      { timeoutMs: 30_000, description: 'the task to be running' },
    );
    expect(running.attempts).toBe(1);
    const victim = [one, two].find((harness) => harness.workers[0]?.owner === running.worker);
    expect(victim).toBeDefined();
    // Whichever replica runs it dies like a killed process: no more heartbeats, no more writes.
    await victim?.workers[0]?.crash();
    const finished = await eventually(
      async () => {
        const current = await get(one, tenant, task.id);
        return current.status === 'succeeded' ? current : false;
      },
      { timeoutMs: 60_000, description: 'the task to finish on the other replica' },
    );
    expect(finished.attempts).toBe(2);
    expect(finished.result).toEqual({ label: `crash-${tenant}` });
    expect(slow.completions.get(`crash-${tenant}`)).toBe(1);
  });

  it('when a replica dies between a task’s write and its lane’s, then a sweep lists the task again and it runs once', async () => {
    const tenant = uniqueName('ten_orphan');
    const tasks = await one.platform.persistence.repository(tasksCollection);
    const orphan = await tasks.insert(tenant, unlistedQueuedTask(`orphan-${tenant}`, new Date(), 10));
    const finished = await eventually(
      async () => {
        const current = await get(two, tenant, orphan.id);
        return current.status === 'succeeded' ? current : false;
      },
      { timeoutMs: 30_000, description: 'the orphaned task to run' },
    );
    expect(finished.attempts).toBe(1);
    expect(slow.completions.get(`orphan-${tenant}`)).toBe(1);
  });
});

describeWithInfra('assistant task queue on the MongoDB-compatible server: what a claim reads', ['mongo'], (infra) => {
  it('when 300 finished tasks are stored, then a claim of 8 reads the task collection only to lease those 8, by _id', async () => {
    const persistence = await connectMongo({ uri: infra.mongodbUri, logger: createLogger({ service: 'test', level: 'silent' }) });
    try {
      const [stored, lanes] = await Promise.all([persistence.repository(tasksCollection), persistence.repository(lanesCollection)]);
      const counted = countedReads(stored);
      const clock = () => new Date();
      const queue = new TaskQueue({ tasks: counted.repository, lanes, outbox: { notify: () => undefined }, clock, leaseMs: 30_000 });
      const service = new Tasks({ tasks: counted.repository, queue, actions: actionRegistry([slowAction().action]), clock });
      const prefix = uniqueName('ten_claim');
      for (let i = 0; i < 300; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => stored.insert(`${prefix}_old_${j % 7}`, finishedTask(`old-${i + j}`, clock()))),
        );
      }
      for (let i = 0; i < 12; i += 1)
        await service.create(`${prefix}_${i % 3}`, 'enterprise', {
          action: 'test_slow',
          parameters: { steps: 1, step_ms: 0, label: `t${i}` },
          execute: true,
        });
      counted.reads.length = 0;

      const claimed = await queue.claim('worker-1', 8);

      expect(claimed).toHaveLength(8);
      expect(counted.reads).toEqual(Array.from({ length: 8 }, () => ({ method: 'update', byId: true, documents: 1 })));
    } finally {
      await persistence.close();
    }
  });
});

describeWithInfra('assistant task queue fairness on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  const env = isolatedEnv(infra, 'assistant-fair');
  const slow = slowAction();
  let one: AssistantHarness;
  let two: AssistantHarness;

  // The workers start only once both tenants have queued: the order of the claims is what is tested.
  beforeAll(async () => {
    one = await startAssistantHarness({ env, serviceEnv, actions: [slow.action], startWorker: false });
    two = await startAssistantHarness({ env, serviceEnv, actions: [slow.action], startWorker: false });
  });
  afterAll(async () => {
    await Promise.allSettled([one?.close(), two?.close()]);
  });

  it('when tenant A has queued 500 tasks and then tenant B queues 5, then all of B’s tasks start before A’s 50th', async () => {
    const a = uniqueName('ten_a');
    const b = uniqueName('ten_b');
    for (let i = 0; i < 500; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          createTask(i % 2 === 0 ? one : two, a, { steps: 1, step_ms: 10, label: `a-${i + j}` }, 'enterprise'),
        ),
      );
    }
    const bTasks = await Promise.all(Array.from({ length: 5 }, (_, j) => createTask(two, b, { steps: 1, step_ms: 10, label: `b-${j}` })));
    one.workers[0]?.start();
    two.workers[0]?.start();

    const bStarted = await eventually(
      async () => {
        const tasks = await Promise.all(bTasks.map((task) => getTask(two, b, task.id)));
        return tasks.every((task) => task.started_at !== null) ? tasks : false;
      },
      { timeoutMs: 200_000, description: "B's five tasks to start" },
    );
    const lastB = Math.max(...bStarted.map((task) => Date.parse(task.started_at as string)));
    let startedA = 0;
    let cursor: string | null = null;
    do {
      const path = `${API}/tasks?limit=100&status=succeeded${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await one.call(tenantKey(a), 'GET', path)).body as { items: TaskView[]; nextCursor: string | null };
      const running = (await one.call(tenantKey(a), 'GET', `${API}/tasks?limit=100&status=running`)).body as { items: TaskView[] };
      startedA += [...page.items, ...(cursor ? [] : running.items)].filter(
        (task) => task.started_at !== null && Date.parse(task.started_at) <= lastB,
      ).length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(startedA).toBeLessThan(50);
  });
});
