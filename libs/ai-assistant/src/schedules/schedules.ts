import { ConflictError, NotFoundError } from '@tenantry/contracts';
import type { Page } from '@tenantry/persistence';
import { PermanentTaskError } from '../actions/action';
import { MAX_SCHEDULES_PER_TENANT, type Schedule, type ScheduleFields, type ScheduleRepository } from './schedule.collection';

export type NewSchedule = Omit<ScheduleFields, 'created_by_task' | 'runs' | 'skipped_runs' | 'last_run_at' | 'last_task_id' | 'last_error'>;

/** A tenant's schedules: created by the schedule_tasks action, listed and deleted through the API. */
export class Schedules {
  constructor(readonly repository: ScheduleRepository) {}

  /** The schedule's id for the task that creates it: a retried run of that task finds the schedule it made. */
  static idFor(taskId: string): string {
    return `sch_${taskId.replace(/^tsk_/, '')}`;
  }

  /**
   * Creates the schedule of task `taskId` once (a retry of the task returns the one it made), refusing a
   * tenant's schedule beyond MAX_SCHEDULES_PER_TENANT (two concurrent creations may both pass the count).
   */
  async createOnce(tenantId: string, taskId: string, fields: NewSchedule): Promise<Schedule> {
    const id = Schedules.idFor(taskId);
    const existing = await this.repository.findById(tenantId, id);
    if (existing) return existing;
    const count = await this.repository.count(tenantId);
    if (count >= MAX_SCHEDULES_PER_TENANT)
      throw new PermanentTaskError(
        `The tenant has ${count} schedules, the most allowed is ${MAX_SCHEDULES_PER_TENANT}: delete one (DELETE /schedules/{id}) first.`,
      );
    try {
      return await this.repository.insert(tenantId, { ...fields, created_by_task: taskId, runs: 0, skipped_runs: 0 }, { id });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const raced = await this.repository.findById(tenantId, id);
      if (!raced) throw error;
      return raced;
    }
  }

  list(tenantId: string, query: { limit: number; cursor?: string }): Promise<Page<Schedule>> {
    return this.repository.list(tenantId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), sort: 'asc' });
  }

  async get(tenantId: string, id: string): Promise<Schedule> {
    const schedule = await this.repository.findById(tenantId, id);
    if (!schedule) throw new NotFoundError(`Schedule ${id} not found.`);
    return schedule;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.repository.delete(tenantId, id);
  }
}
