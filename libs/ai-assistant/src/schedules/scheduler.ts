import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, TenantryError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import type { Tasks } from '../tasks/tasks';
import { nextRun } from './cron';
import type { Schedule, ScheduleRepository } from './schedule.collection';

/** Due schedules handled per tick (the rest in the next one). */
const DUE_PER_TICK = 200;
/** Due times counted when skipping the ones missed while no scheduler ran (5-minute spacing: a month). */
const MAX_SKIPPED_COUNTED = 10_000;

export interface SchedulerOptions {
  schedules: ScheduleRepository;
  tasks: Tasks;
  clock: () => Date;
  intervalMs: number;
  logger: Logger;
}

/** The id of the task of `schedule`'s run due at `due`: the same on every replica, so it is created once. */
export function scheduledTaskId(scheduleId: string, due: Date): string {
  return `tsk_s${createHash('sha256').update(`${scheduleId}@${due.toISOString()}`).digest('hex').slice(0, 24)}`;
}

/**
 * Creates the tasks of due schedules, every `intervalMs` (like the queue's poll), on every replica that
 * runs it. A run is created once: its task id is derived from (schedule, due time), so a second insert
 * is a conflict, and `next_run_at` moves on by a write conditional on the version read (FerretDB has no
 * transactions; a replica that dies between the two writes leaves the run to be finished by the next
 * tick, which finds the task there and only moves `next_run_at`). Runs missed while no scheduler ran
 * collapse into one run at the earliest, the others counted in `skipped_runs`.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error }, 'scheduler tick failed');
          return 0;
        })
        .finally(() => {
          this.ticking = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Handles the schedules due now; returns the tasks this call created. */
  async tick(): Promise<number> {
    const now = this.options.clock();
    const due = await this.options.schedules.admin.listAcrossTenants({
      filter: { next_run_at: { $lte: now } },
      limit: DUE_PER_TICK,
      sort: 'asc',
    });
    let created = 0;
    for (const schedule of due.items) if (await this.run(schedule, now)) created += 1;
    return created;
  }

  private async run(schedule: Schedule, now: Date): Promise<boolean> {
    const due = schedule.next_run_at;
    const taskId = scheduledTaskId(schedule.id, due);
    let created = false;
    let error: string | undefined;
    try {
      await this.options.tasks.create(
        schedule.tenantId,
        schedule.plan_id,
        { action: schedule.action, parameters: schedule.parameters, execute: true },
        schedule.requested_by,
        taskId,
      );
      created = true;
    } catch (failure) {
      // Another replica created this run's task: only next_run_at is left to move (below, or by it).
      if (failure instanceof ConflictError) error = undefined;
      else if (failure instanceof TenantryError && failure.status < 500)
        error = failure.message; // the parameters no longer validate, or the plan no longer allows it: said on the schedule
      else throw failure;
    }
    let next = nextRun(schedule.cron, schedule.timezone, due);
    let skipped = 0;
    while (next.getTime() <= now.getTime() && skipped < MAX_SKIPPED_COUNTED) {
      skipped += 1;
      next = nextRun(schedule.cron, schedule.timezone, next);
    }
    if (next.getTime() <= now.getTime()) next = nextRun(schedule.cron, schedule.timezone, now);
    try {
      await this.options.schedules.update(
        schedule.tenantId,
        schedule.id,
        {
          next_run_at: next,
          last_run_at: due,
          last_task_id: error === undefined ? taskId : undefined,
          last_error: error,
          runs: schedule.runs + 1,
          skipped_runs: schedule.skipped_runs + skipped,
        },
        { expectedVersion: schedule.version },
      );
    } catch (failure) {
      if (!(failure instanceof ConflictError) && !(failure instanceof NotFoundError)) throw failure;
    }
    if (created)
      this.options.logger.info(
        { tenantId: schedule.tenantId, scheduleId: schedule.id, taskId, due: due.toISOString() },
        'scheduled task created',
      );
    return created;
  }
}
