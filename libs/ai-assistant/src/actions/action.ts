import type { Feature, PlanId } from '@tenantry/contracts';
import type { z } from 'zod';
import type { DataVersionTracker, ReadModels } from '../read-models/read-models';
import type { Schedules } from '../schedules/schedules';

/** Thrown by `progress` when the task was cancelled: the run stops between two steps. */
export class TaskCancelledError extends Error {
  constructor() {
    super('The task was cancelled.');
  }
}

/** Thrown by an action when trying again cannot help (e.g. a limit is reached): the task fails at once with its message. */
export class PermanentTaskError extends Error {}

/** What a running action may use: the read models, the clock, and a progress report (which also checks for cancellation). */
export interface ActionContext {
  tenantId: string;
  /** The task being run (an action with an effect, like schedule_tasks, makes it once per task). */
  taskId: string;
  /** The plan the task was queued under (quota figures use it when no subscription event was seen yet). */
  planId: PlanId | undefined;
  now: Date;
  /** Who created the task (tasks created before this field existed count as the tenant's). */
  requestedBy: 'tenant' | 'admin';
  models: ReadModels;
  /** The tenants' schedules (schedule_tasks writes one). */
  schedules: Schedules;
  /** Aborted when the task is cancelled (or its lease lost): a long wait inside a step should end on it. */
  signal: AbortSignal;
  /** Reports progress (0–100) and the step; throws TaskCancelledError once the task was cancelled. */
  progress(percent: number, step: string): Promise<void>;
}

/**
 * One automation action: its parameters (validated when the task is created), what it needs, what it
 * reads, and its two phases. `load` reads the read models (recording what it read); `compute` is a pure
 * function of what was loaded, so a result can be cached by action + parameters + data version.
 */
export interface ActionDefinition<P = unknown, I = unknown, R = unknown> {
  name: string;
  summary: string;
  parameters: z.ZodType<P>;
  /** The plan feature a tenant needs (every action needs `ai_assistant` to be reached at all). */
  requiredFeature: Feature;
  /** The read models it reads, for GET /capabilities. */
  reads: readonly string[];
  /**
   * The parameter that asks for data beyond the tenant (e.g. `scope` = `platform`), when these
   * parameters do: such a task is for the platform admin only (a tenant gets a 403 naming it).
   */
  adminOnlyParameter?(parameters: P): string | null;
  load(context: ActionContext, parameters: P, tracker: DataVersionTracker): Promise<I>;
  compute(inputs: I, parameters: P, context: Pick<ActionContext, 'now' | 'planId' | 'tenantId'>): R;
}

/** Erases the type parameters, for the registry. */
export type AnyAction = ActionDefinition<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineAction<P, I, R>(action: ActionDefinition<P, I, R>): ActionDefinition<P, I, R> {
  return action;
}
