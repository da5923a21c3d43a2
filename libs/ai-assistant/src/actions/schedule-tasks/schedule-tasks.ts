import { timeZoneSchema } from '@tenantry/contracts';
import { z } from 'zod';
import { cronProblem, MIN_MINUTES_BETWEEN_RUNS, nextRun, nextRuns } from '../../schedules/cron';
import { MAX_SCHEDULES_PER_TENANT } from '../../schedules/schedule.collection';
import { defineAction, PermanentTaskError, type AnyAction } from '../action';
import { SCHEDULABLE_ACTIONS } from '../schedulable';

const schedulable: ReadonlyMap<string, AnyAction> = new Map(SCHEDULABLE_ACTIONS.map((action) => [action.name, action]));
/** Run times the answer lists. */
export const RUNS_SHOWN = 5;

export const scheduleTasksParameters = z
  .strictObject({
    /** The action to run on the schedule (any action of GET /capabilities but schedule_tasks). */
    action: z.string().min(1).max(64),
    /** Its parameters, validated against its schema now and at each run. */
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Five fields: minute hour day-of-month month day-of-week, e.g. `0 9 * * 1` (Mondays at 09:00). */
    cron: z.string().min(1).max(120),
    /** The IANA time zone the cron is read in (its DST changes included). */
    timezone: timeZoneSchema.default('UTC'),
  })
  .superRefine((value, context) => {
    const action = schedulable.get(value.action);
    if (!action) {
      context.addIssue({ code: 'custom', path: ['action'], message: `One of ${[...schedulable.keys()].join(', ')}` });
    } else {
      const parsed = action.parameters.safeParse(value.parameters);
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          context.addIssue({ code: 'custom', path: ['parameters', ...issue.path.map(String)], message: issue.message });
    }
    // Spacing is checked from the moment of validation; the runs themselves come from the task's clock.
    const problem = cronProblem(value.cron, value.timezone, new Date());
    if (problem !== null) context.addIssue({ code: 'custom', path: ['cron'], message: problem });
  });
export type ScheduleTasksParameters = z.output<typeof scheduleTasksParameters>;

interface ScheduleTasksInputs {
  schedule: {
    schedule_id: string;
    action: string;
    parameters: Record<string, unknown>;
    cron: string;
    timezone: string;
    next_run_at: string;
    created_at: string;
  };
}

export const scheduleTasks = defineAction({
  name: 'schedule_tasks',
  summary: `Runs another action on a cron schedule in your time zone (at most ${MAX_SCHEDULES_PER_TENANT} schedules, runs at least ${MIN_MINUTES_BETWEEN_RUNS} minutes apart); answers with the next ${RUNS_SHOWN} run times. GET /schedules lists them, DELETE /schedules/{id} removes one`,
  parameters: scheduleTasksParameters,
  requiredFeature: 'ai_assistant',
  reads: ['your schedules'],
  adminOnlyParameter(parameters) {
    const action = schedulable.get(parameters.action);
    const parsed = action?.parameters.safeParse(parameters.parameters);
    return action && parsed?.success && action.adminOnlyParameter?.(parsed.data) ? 'parameters' : null;
  },
  async load(context, parameters, tracker): Promise<ScheduleTasksInputs> {
    await context.progress(10, 'creating the schedule');
    const action = schedulable.get(parameters.action);
    if (!action) throw new PermanentTaskError(`Unknown action ${parameters.action}.`);
    const nested = action.parameters.parse(parameters.parameters) as Record<string, unknown>;
    if (action.adminOnlyParameter?.(nested) && context.requestedBy !== 'admin')
      throw new PermanentTaskError('This schedule is for the platform admin only.');
    const schedule = await context.schedules.createOnce(context.tenantId, context.taskId, {
      action: action.name,
      parameters: nested,
      cron: parameters.cron.trim(),
      timezone: parameters.timezone,
      ...(context.planId ? { plan_id: context.planId } : {}),
      requested_by: context.requestedBy,
      next_run_at: nextRun(parameters.cron.trim(), parameters.timezone, context.now),
    });
    tracker.saw('schedule', [schedule]);
    return {
      schedule: {
        schedule_id: schedule.id,
        action: schedule.action,
        parameters: schedule.parameters,
        cron: schedule.cron,
        timezone: schedule.timezone,
        next_run_at: schedule.next_run_at.toISOString(),
        created_at: schedule.createdAt.toISOString(),
      },
    };
  },
  compute: (inputs) => scheduleAnswer(inputs),
});

/** The schedule and its next runs: the stored next run, then the cron's following ones, each also in local time. */
export function scheduleAnswer(inputs: ScheduleTasksInputs) {
  const { schedule } = inputs;
  const first = new Date(schedule.next_run_at);
  const runs = [first, ...nextRuns(schedule.cron, schedule.timezone, first, RUNS_SHOWN - 1)];
  return {
    schedule,
    next_runs: runs.map((at) => ({ at: at.toISOString(), local: localTime(at, schedule.timezone) })),
    method:
      `cron-parser reads the five-field expression in ${schedule.timezone} (its DST changes: a local time skipped in spring runs ` +
      'at the next valid minute, one repeated in autumn runs once). The scheduler creates each run as a task of its own, once per ' +
      'due time across replicas; runs missed while no scheduler ran collapse into one.',
  };
}

/** `2026-03-29 09:00 GMT+02:00`: the instant as the wall clock of `timezone` shows it, with its offset. */
export function localTime(at: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']} ${parts['timeZoneName']}`;
}
