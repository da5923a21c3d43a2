import { eventually } from '@tenantry/testing';
import { ADMIN, API, startAssistantHarness, tenantKey, type AssistantHarness } from '../test-support/assistant-harness';
import type { TaskView } from '../tasks/task-view';
import type { Scheduler } from './scheduler';
import { scheduledTaskId } from './scheduler';
import type { ScheduleView } from './schedules.routes';

/** Two replicas on one in-memory platform, each with its scheduler loop running, on one movable clock. */
describe('schedules: schedule_tasks, the scheduler loop on two replicas, GET and DELETE /schedules', () => {
  let now = new Date('2026-11-30T10:10:00.000Z');
  const clock = () => new Date(now.getTime());
  const schedulers: Scheduler[] = [];
  let one: AssistantHarness;
  let two: AssistantHarness;
  const tenant = tenantKey('ten_sched');
  const serviceEnv = { ASSISTANT_SCHEDULER_INTERVAL: '20', ASSISTANT_POLL_INTERVAL: '50' };

  beforeAll(async () => {
    one = await startAssistantHarness({ clock, serviceEnv, onScheduler: (s) => schedulers.push(s) });
    two = await startAssistantHarness({ platform: one.platform, clock, serviceEnv, onScheduler: (s) => schedulers.push(s) });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  const schedule = async (body: Record<string, unknown>) => {
    const created = await one.call(tenant, 'POST', `${API}/tasks`, { body: { action: 'schedule_tasks', parameters: body } });
    expect(created.status).toBe(201);
    const task = await one.waitForTask(tenant, (created.body as TaskView).id);
    expect(task.status).toBe('succeeded');
    return task.result as { schedule: { schedule_id: string }; next_runs: Array<{ at: string }> };
  };
  const readSchedule = async (id: string) => (await two.call(tenant, 'GET', `${API}/schedules/${id}`)).body as ScheduleView;
  const scheduledTasks = async () =>
    ((await one.call(tenant, 'GET', `${API}/tasks?action=analyze_usage&limit=100`)).body as { items: TaskView[] }).items;

  it('when the clock passes each due time with both schedulers racing, then each due time makes exactly one task, run by the queue', async () => {
    const result = await schedule({ action: 'analyze_usage', cron: '0 * * * *', timezone: 'UTC' });
    expect(result.next_runs.map((r) => r.at)).toEqual([
      '2026-11-30T11:00:00.000Z',
      '2026-11-30T12:00:00.000Z',
      '2026-11-30T13:00:00.000Z',
      '2026-11-30T14:00:00.000Z',
      '2026-11-30T15:00:00.000Z',
    ]);
    const id = result.schedule.schedule_id;
    expect(schedulers).toHaveLength(2);

    const dues = ['2026-11-30T11:00:00.000Z', '2026-11-30T12:00:00.000Z', '2026-11-30T13:00:00.000Z'];
    for (const [i, due] of dues.entries()) {
      now = new Date(due);
      // Besides the two loops, four ticks at once: together they create at most this one run.
      const created = await Promise.all([...schedulers, ...schedulers].map((s) => s.tick()));
      expect(created.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
      const after = await eventually(async () => {
        const current = await readSchedule(id);
        return current.runs === i + 1 ? current : false;
      });
      expect(after).toMatchObject({ last_run_at: due, last_task_id: scheduledTaskId(id, new Date(due)), last_error: null });
      await one.waitForTask(tenant, after.last_task_id as string);
    }

    // The schedulers were away from 13:00 to 16:30: the 14:00 run is made, 15:00 and 16:00 are counted as skipped.
    now = new Date('2026-11-30T16:30:00.000Z');
    const caughtUp = await eventually(async () => {
      const current = await readSchedule(id);
      return current.runs === 4 ? current : false;
    });
    expect(caughtUp).toMatchObject({ last_run_at: '2026-11-30T14:00:00.000Z', skipped_runs: 2, next_run_at: '2026-11-30T17:00:00.000Z' });
    await one.waitForTask(tenant, caughtUp.last_task_id as string);

    const tasks = await scheduledTasks();
    expect(tasks.map((t) => t.id).sort()).toEqual(
      [...dues, '2026-11-30T14:00:00.000Z'].map((due) => scheduledTaskId(id, new Date(due))).sort(),
    );
    expect(tasks.every((t) => t.status === 'succeeded')).toBe(true);
  });

  it('when schedules are listed and deleted, then only the tenant’s own are seen, the admin names the tenant, and a deleted one runs no more', async () => {
    const { schedule: created } = await schedule({
      action: 'monitor_alerts',
      parameters: { lookback_hours: 6 },
      cron: '*/15 * * * *',
      timezone: 'Europe/Ljubljana',
    });
    const listed = await one.call(tenant, 'GET', `${API}/schedules`);
    expect(listed.status).toBe(200);
    expect((listed.body as { items: ScheduleView[] }).items.find((s) => s.id === created.schedule_id)).toMatchObject({
      tenant_id: 'ten_sched',
      action: 'monitor_alerts',
      parameters: { lookback_hours: 6, scope: 'tenant' },
      cron: '*/15 * * * *',
      timezone: 'Europe/Ljubljana',
      next_run_at: '2026-11-30T16:45:00.000Z',
      runs: 0,
    });
    expect((await one.call(ADMIN, 'GET', `${API}/schedules`)).status).toBe(400);
    expect((await one.call(ADMIN, 'GET', `${API}/schedules?tenant_id=ten_sched`)).status).toBe(200);
    const stranger = tenantKey('ten_stranger');
    expect((await one.call(stranger, 'GET', `${API}/schedules/${created.schedule_id}`)).status).toBe(404);
    expect((await one.call(stranger, 'DELETE', `${API}/schedules/${created.schedule_id}`)).status).toBe(404);

    expect((await two.call(tenant, 'DELETE', `${API}/schedules/${created.schedule_id}`)).status).toBe(204);
    expect((await one.call(tenant, 'GET', `${API}/schedules/${created.schedule_id}`)).status).toBe(404);
    expect((await one.call(tenant, 'DELETE', `${API}/schedules/${created.schedule_id}`)).status).toBe(404);
    now = new Date('2026-11-30T16:46:00.000Z');
    await Promise.all(schedulers.map((s) => s.tick()));
    const monitors = (await one.call(tenant, 'GET', `${API}/tasks?action=monitor_alerts`)).body as { items: TaskView[] };
    expect(monitors.items).toEqual([]);
  });

  it('when the cron is bad, then the task is refused with a 400 naming parameters.cron; the routes are in the OpenAPI document', async () => {
    const bad = await one.call(tenant, 'POST', `${API}/tasks`, {
      body: { action: 'schedule_tasks', parameters: { action: 'analyze_usage', cron: '0 25 * * *', timezone: 'Europe/Ljubljana' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: 'parameters.cron' })] });
    const document = (await one.call(null, 'GET', `${API}/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths[`${API}/schedules`] ?? {})).toContain('get');
    expect(Object.keys(document.paths[`${API}/schedules/{id}`] ?? {})).toEqual(expect.arrayContaining(['get', 'delete']));
  });
});
