import { ConflictError, ForbiddenError, NotFoundError, ValidationFailedError, type PlanId } from '@tenantry/contracts';
import type { AnyAction } from '../actions/action';
import type { TaskQueue } from '../queue/task-queue';
import { FINISHED_STATUSES, type Task, type TaskRepository, type TaskStatus } from './task.collection';

export const DEFAULT_MAX_ATTEMPTS = 3;

export interface CreateTask {
  action: string;
  parameters: Record<string, unknown>;
  /** false: created `pending`, queued later by POST /tasks/{id}/execute. */
  execute: boolean;
}

export interface ListTasks {
  limit: number;
  cursor?: string;
  status?: TaskStatus;
  action?: string;
}

/** The task use cases behind the routes: create, read, list, execute, cancel. Always within one tenant. */
export class Tasks {
  constructor(
    private readonly deps: {
      tasks: TaskRepository;
      queue: TaskQueue;
      actions: ReadonlyMap<string, AnyAction>;
      clock: () => Date;
      maxAttempts?: number;
    },
  ) {}

  /** Validates the parameters against the action's schema (a 400 naming `parameters.<field>`), then creates the task. */
  async create(
    tenantId: string,
    planId: PlanId | undefined,
    request: CreateTask,
    requestedBy: 'tenant' | 'admin' = 'tenant',
    /** This id instead of a new one: creating it twice is a ConflictError (how a scheduled run is created once). */
    taskId?: string,
  ): Promise<Task> {
    const action = this.deps.actions.get(request.action);
    if (!action) {
      throw new ValidationFailedError(`Unknown action ${request.action}.`, [
        { field: 'action', message: `One of ${[...this.deps.actions.keys()].join(', ')}` },
      ]);
    }
    const parsed = await action.parameters.safeParseAsync(request.parameters);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        field: ['parameters', ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      throw new ValidationFailedError(`Invalid parameters for ${action.name}.`, issues);
    }
    const adminOnly = action.adminOnlyParameter?.(parsed.data) ?? null;
    if (adminOnly !== null && requestedBy !== 'admin')
      throw new ForbiddenError(
        `parameters.${adminOnly} = ${String((parsed.data as Record<string, unknown>)[adminOnly])} is for the platform admin only.`,
      );
    const fields = {
      action: action.name,
      parameters: parsed.data as Record<string, unknown>,
      ...(planId ? { plan_id: planId } : {}),
      requested_by: requestedBy,
      progress: 0,
      step: request.execute ? 'queued' : 'waiting for execute',
      attempts: 0,
      max_attempts: this.deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      cancel_requested: false,
    };
    if (request.execute) return this.deps.queue.enqueue(tenantId, fields, taskId);
    const now = this.deps.clock();
    return this.deps.tasks.insert(tenantId, { ...fields, status: 'pending', not_before: now }, taskId === undefined ? {} : { id: taskId });
  }

  async get(tenantId: string, id: string): Promise<Task> {
    const task = await this.deps.tasks.findById(tenantId, id);
    if (!task) throw new NotFoundError(`Task ${id} not found.`);
    return task;
  }

  list(tenantId: string, query: ListTasks) {
    return this.deps.tasks.list(tenantId, {
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      sort: 'desc',
      filter: filterOf(query),
    });
  }

  listAcrossTenants(query: ListTasks) {
    return this.deps.tasks.admin.listAcrossTenants({
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      sort: 'desc',
      filter: filterOf(query),
    });
  }

  /** Queues a `pending` task; a task already queued or running is left as it is (the call is idempotent). */
  async execute(tenantId: string, id: string): Promise<Task> {
    const task = await this.get(tenantId, id);
    if (task.status === 'queued' || task.status === 'running') return task;
    if (task.status !== 'pending')
      throw new ConflictError(`Task ${id} is ${task.status}; create a new task to run it again.`, { status: task.status });
    return (await this.deps.queue.requeue(task, { step: 'queued' }, this.deps.clock())) ?? this.execute(tenantId, id);
  }

  /**
   * A task not yet running is cancelled at once; a running one gets a cancel request that its worker
   * (on whichever replica) sees at its next heartbeat or step. A finished task cannot be cancelled (409).
   */
  async cancel(tenantId: string, id: string): Promise<Task> {
    for (;;) {
      const task = await this.get(tenantId, id);
      if (FINISHED_STATUSES.includes(task.status)) {
        if (task.status === 'cancelled') return task;
        throw new ConflictError(`Task ${id} already ${task.status}.`, { status: task.status });
      }
      const changes =
        task.status === 'running'
          ? { cancel_requested: true }
          : { status: 'cancelled' as const, cancel_requested: true, step: 'cancelled', finished_at: this.deps.clock() };
      try {
        return await this.deps.tasks.update(tenantId, id, changes, { expectedVersion: task.version });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error; // its worker wrote progress meanwhile: look again
      }
    }
  }
}

function filterOf(query: ListTasks) {
  return { ...(query.status ? { status: query.status } : {}), ...(query.action ? { action: query.action } : {}) };
}
