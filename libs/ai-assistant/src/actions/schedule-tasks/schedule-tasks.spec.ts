import { createInMemoryPersistence } from '@tenantry/persistence';
import { runAction } from '../../test-support/run-action';
import { PermanentTaskError } from '../action';
import { MAX_SCHEDULES_PER_TENANT, schedulesCollection } from '../../schedules/schedule.collection';
import { Schedules } from '../../schedules/schedules';
import { scheduleTasks, scheduleTasksParameters } from './schedule-tasks';

const LJUBLJANA = 'Europe/Ljubljana';
const run = (parameters: Record<string, unknown>, now: string) => runAction(scheduleTasks, [], { tenantId: 'ten_s', now, parameters });
const fieldsOf = async (parameters: Record<string, unknown>) => {
  const parsed = await scheduleTasksParameters.safeParseAsync(parameters);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

describe('schedule_tasks', () => {
  it('when a daily 09:00 in Ljubljana spans the spring DST change, then the runs stay at 09:00 local: 08:00 UTC, then 07:00 UTC', async () => {
    const result = await run({ action: 'analyze_usage', cron: '0 9 * * *', timezone: LJUBLJANA }, '2026-03-27T12:00:00.000Z');
    // Summer time starts on Sunday 29 March 2026 at 02:00 (UTC+1 → UTC+2).
    expect(result.next_runs).toEqual([
      { at: '2026-03-28T08:00:00.000Z', local: '2026-03-28 09:00 GMT+01:00' },
      { at: '2026-03-29T07:00:00.000Z', local: '2026-03-29 09:00 GMT+02:00' },
      { at: '2026-03-30T07:00:00.000Z', local: '2026-03-30 09:00 GMT+02:00' },
      { at: '2026-03-31T07:00:00.000Z', local: '2026-03-31 09:00 GMT+02:00' },
      { at: '2026-04-01T07:00:00.000Z', local: '2026-04-01 09:00 GMT+02:00' },
    ]);
    expect(result.schedule).toMatchObject({
      schedule_id: 'sch_test',
      action: 'analyze_usage',
      cron: '0 9 * * *',
      timezone: LJUBLJANA,
      next_run_at: '2026-03-28T08:00:00.000Z',
      // the action's own defaults, as each run will get them
      parameters: expect.objectContaining({ lookback_days: expect.any(Number) }),
    });
  });

  it('when 02:30 daily spans both DST changes, then the skipped 02:30 runs at 03:30 and the repeated one runs once', async () => {
    const spring = await run({ action: 'analyze_usage', cron: '30 2 * * *', timezone: LJUBLJANA }, '2026-03-27T12:00:00.000Z');
    expect(spring.next_runs.slice(0, 3).map((r) => r.local)).toEqual([
      '2026-03-28 02:30 GMT+01:00',
      '2026-03-29 03:30 GMT+02:00',
      '2026-03-30 02:30 GMT+02:00',
    ]);
    // Winter time returns on Sunday 25 October 2026 at 03:00 (UTC+2 → UTC+1): 02:30 happens twice that night.
    const autumn = await run({ action: 'analyze_usage', cron: '30 2 * * *', timezone: LJUBLJANA }, '2026-10-23T12:00:00.000Z');
    expect(autumn.next_runs.slice(0, 3)).toEqual([
      { at: '2026-10-24T00:30:00.000Z', local: '2026-10-24 02:30 GMT+02:00' },
      { at: '2026-10-25T00:30:00.000Z', local: '2026-10-25 02:30 GMT+02:00' },
      { at: '2026-10-26T01:30:00.000Z', local: '2026-10-26 02:30 GMT+01:00' },
    ]);
  });

  it('when the cron, the action, its parameters or the time zone are wrong, then each issue names its field', async () => {
    expect(await fieldsOf({ action: 'analyze_usage', cron: '61 * * * *' })).toEqual(['cron']);
    expect(await fieldsOf({ action: 'analyze_usage', cron: '0 9 * *' })).toEqual(['cron']);
    expect(await fieldsOf({ action: 'analyze_usage', cron: '* * * * *' })).toEqual(['cron']); // every minute: under 5 minutes apart
    expect(await fieldsOf({ action: 'schedule_tasks', cron: '0 9 * * *' })).toEqual(['action']);
    expect(await fieldsOf({ action: 'predict_churn', parameters: { inactive_days: 0 }, cron: '0 9 * * *' })).toEqual([
      'parameters.inactive_days',
    ]);
    expect(await fieldsOf({ action: 'analyze_usage', cron: '0 9 * * *', timezone: 'Mars/Olympus' })).toContain('timezone');
    expect(await fieldsOf({ action: 'analyze_usage', cron: '*/5 * * * *', timezone: LJUBLJANA })).toEqual([]);
  });

  it('when a platform-wide action is scheduled, then only the admin may (the nested scope is admin-only)', () => {
    const parameters = scheduleTasksParameters.parse({ action: 'predict_churn', parameters: { scope: 'platform' }, cron: '0 9 * * *' });
    expect(scheduleTasks.adminOnlyParameter?.(parameters)).toBe('parameters');
    expect(scheduleTasks.adminOnlyParameter?.({ ...parameters, parameters: {} })).toBeNull();
  });

  it(`when a tenant has ${MAX_SCHEDULES_PER_TENANT} schedules, then another is refused for good; the same task makes its schedule once`, async () => {
    const schedules = new Schedules(await createInMemoryPersistence().repository(schedulesCollection));
    const fields = {
      action: 'analyze_usage',
      parameters: {},
      cron: '0 9 * * *',
      timezone: 'UTC',
      requested_by: 'tenant' as const,
      next_run_at: new Date('2026-12-01T09:00:00.000Z'),
    };
    const first = await schedules.createOnce('ten_l', 'tsk_0', fields);
    expect(await schedules.createOnce('ten_l', 'tsk_0', fields)).toMatchObject({ id: first.id, version: first.version });
    for (let i = 1; i < MAX_SCHEDULES_PER_TENANT; i += 1) await schedules.createOnce('ten_l', `tsk_${i}`, fields);
    await expect(schedules.createOnce('ten_l', 'tsk_extra', fields)).rejects.toThrow(PermanentTaskError);
    await expect(schedules.createOnce('ten_other', 'tsk_extra', fields)).resolves.toMatchObject({ tenantId: 'ten_other' });
  });
});
