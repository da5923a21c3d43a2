import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { API, isolatedEnv, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import type { TaskView } from '../tasks/task-view';
import { scheduledTaskId, type Scheduler } from './scheduler';
import type { ScheduleView } from './schedules.routes';

jest.setTimeout(300_000);

const WAIT = { timeoutMs: 60_000 };

describeWithInfra('schedules across a restart, on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  const env = isolatedEnv(infra, 'assistant-sched');
  // One clock for every instance, moved by the test: due times pass when the test says so.
  let now = new Date('2026-11-30T10:10:00.000Z');
  const clock = () => new Date(now.getTime());
  const serviceEnv = { ASSISTANT_SCHEDULER_INTERVAL: '50', ASSISTANT_POLL_INTERVAL: '100' };
  const tenantId = uniqueName('ten_sched');
  const tenant = tenantKey(tenantId);
  const running = new Set<AssistantHarness>();
  const schedulers = new Map<AssistantHarness, Scheduler>();

  const start = async (): Promise<AssistantHarness> => {
    let scheduler: Scheduler | undefined;
    const harness = await startAssistantHarness({ env, clock, serviceEnv, onScheduler: (s) => (scheduler = s) });
    running.add(harness);
    if (scheduler) schedulers.set(harness, scheduler);
    return harness;
  };
  /** Besides their loops, each instance's scheduler ticks twice at once: the total tasks these ticks made. */
  const raceTicks = async (...harnesses: AssistantHarness[]): Promise<number> => {
    const ticks = harnesses.flatMap((harness) => [schedulers.get(harness), schedulers.get(harness)]);
    expect(ticks.every(Boolean)).toBe(true);
    return (await Promise.all(ticks.map((scheduler) => scheduler?.tick() ?? 0))).reduce((a, b) => a + b, 0);
  };
  const stop = async (harness: AssistantHarness): Promise<void> => {
    running.delete(harness);
    await harness.close();
  };
  afterAll(async () => {
    await Promise.allSettled([...running].map((harness) => harness.close()));
  });

  const readSchedule = async (harness: AssistantHarness, id: string) => {
    const reply = await harness.call(tenant, 'GET', `${API}/schedules/${id}`);
    expect(reply.status).toBe(200);
    return reply.body as ScheduleView;
  };
  const runsReach = (harness: AssistantHarness, id: string, runs: number) =>
    eventually(
      async () => {
        const current = await readSchedule(harness, id);
        return current.runs >= runs ? current : false;
      },
      { ...WAIT, description: `schedule ${id} to reach ${runs} runs` },
    );
  const scheduledTasks = async (harness: AssistantHarness) =>
    ((await harness.call(tenant, 'GET', `${API}/tasks?action=analyze_usage&limit=100`)).body as { items: TaskView[] }).items;

  it('when the service restarts over the same database, then each due time makes one task, and a run missed while it was down is made once on recovery', async () => {
    const first = await start();
    const created = await first.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'schedule_tasks', parameters: { action: 'analyze_usage', cron: '0 * * * *', timezone: 'UTC' } },
    });
    expect(created.status).toBe(201);
    const scheduling = await first.waitForTask(tenant, (created.body as TaskView).id, undefined, WAIT.timeoutMs);
    expect(scheduling.status).toBe('succeeded');
    const id = (scheduling.result as { schedule: { schedule_id: string } }).schedule.schedule_id;
    expect(await readSchedule(first, id)).toMatchObject({ next_run_at: '2026-11-30T11:00:00.000Z', runs: 0 });

    // 11:00 passes with the first instance up: one run, run by its queue.
    now = new Date('2026-11-30T11:00:00.000Z');
    const atEleven = await runsReach(first, id, 1);
    expect(atEleven).toMatchObject({ last_run_at: '2026-11-30T11:00:00.000Z', next_run_at: '2026-11-30T12:00:00.000Z' });
    expect(atEleven.last_task_id).toBe(scheduledTaskId(id, new Date('2026-11-30T11:00:00.000Z')));
    expect((await first.waitForTask(tenant, atEleven.last_task_id as string, undefined, WAIT.timeoutMs)).status).toBe('succeeded');

    // The service goes down; 12:00 passes while nothing runs.
    await stop(first);
    now = new Date('2026-11-30T12:30:00.000Z');

    // It comes back as two new replicas at once over the same database: their schedulers race for the missed run.
    const [second, third] = await Promise.all([start(), start()]);
    expect(await raceTicks(second, third)).toBeLessThanOrEqual(1);
    const recovered = await runsReach(second, id, 2);
    expect(recovered).toMatchObject({
      last_run_at: '2026-11-30T12:00:00.000Z',
      last_task_id: scheduledTaskId(id, new Date('2026-11-30T12:00:00.000Z')),
      next_run_at: '2026-11-30T13:00:00.000Z',
      skipped_runs: 0,
      last_error: null,
    });
    expect((await third.waitForTask(tenant, recovered.last_task_id as string, undefined, WAIT.timeoutMs)).status).toBe('succeeded');

    // 13:00 passes with both up: one more run, not one per replica.
    now = new Date('2026-11-30T13:00:00.000Z');
    expect(await raceTicks(second, third)).toBeLessThanOrEqual(1);
    const atOne = await runsReach(third, id, 3);
    expect(atOne).toMatchObject({ last_run_at: '2026-11-30T13:00:00.000Z', next_run_at: '2026-11-30T14:00:00.000Z' });
    await second.waitForTask(tenant, atOne.last_task_id as string, undefined, WAIT.timeoutMs);
    // Ticking again at 13:00 makes nothing: that due time is done.
    expect(await raceTicks(second, third)).toBe(0);
    expect((await readSchedule(second, id)).runs).toBe(3);

    const tasks = await scheduledTasks(second);
    expect(tasks.map((task) => task.id).sort()).toEqual(
      ['2026-11-30T11:00:00.000Z', '2026-11-30T12:00:00.000Z', '2026-11-30T13:00:00.000Z']
        .map((due) => scheduledTaskId(id, new Date(due)))
        .sort(),
    );
    expect(tasks.every((task) => task.status === 'succeeded' && task.attempts === 1)).toBe(true);
  });
});
