import { ConflictError } from '@tenantry/contracts';
import type { Logger } from '@tenantry/telemetry';
import { PermanentTaskError, TaskCancelledError, type ActionContext, type AnyAction } from '../actions/action';
import { BUILT_IN_WORDING, type Phraser } from '../phrasing/phraser';
import { DataVersionTracker, type ReadModels } from '../read-models/read-models';
import { ResultCache } from '../results/result-cache';
import type { Schedules } from '../schedules/schedules';
import type { Task, TaskFields, TaskRepository } from '../tasks/task.collection';
import type { TaskQueue } from './task-queue';

/** The lease was taken over (this worker was presumed dead): stop without writing anything more. */
class LeaseLostError extends Error {}

export interface RunTaskDeps {
  tasks: TaskRepository;
  queue: TaskQueue;
  models: ReadModels;
  schedules: Schedules;
  results: ResultCache;
  actions: ReadonlyMap<string, AnyAction>;
  clock: () => Date;
  logger: Logger;
  owner: string;
  leaseMs: number;
  /**
   * How often the running task's document is read for a cancel request, its lease renewed when due, and
   * its progress written every second beat (a task shorter than two beats writes none).
   */
  heartbeatMs: number;
  retryBackoffMs: (attempt: number) => number;
  /** Rewords results with a model when one is configured (LLM_BASE_URL); the cache keeps the built-in wording. */
  phraser?: Phraser;
}

/**
 * Runs one leased task to its end: succeeded (possibly from the cache), failed after its last attempt,
 * queued again with backoff, or cancelled. Every write is conditional on still holding the lease, so a
 * worker presumed dead that wakes up again cannot overwrite the worker that took over.
 */
export async function runTask(deps: RunTaskDeps, claimed: Task, abandon: AbortSignal): Promise<void> {
  const guard = new LeaseGuard(deps, claimed);
  const heartbeat = setInterval(
    () =>
      void guard.beat().catch((error: unknown) => {
        // A lost lease stops the run through the guard's signal; anything else is worth a look.
        if (!(error instanceof LeaseLostError)) deps.logger.warn({ err: error, taskId: claimed.id }, 'task heartbeat failed');
      }),
    deps.heartbeatMs,
  );
  heartbeat.unref();
  try {
    const outcome = await execute(deps, guard, abandon);
    if (abandon.aborted) return; // simulated or real process death: leave the lease to expire
    await guard.finish(outcome);
  } catch (error) {
    if (abandon.aborted || error instanceof LeaseLostError) return;
    const message = error instanceof Error ? error.message : String(error);
    const task = guard.current;
    if (task.attempts < task.max_attempts) {
      await guard.finish({ retry: message, notBefore: new Date(deps.clock().getTime() + deps.retryBackoffMs(task.attempts)) });
    } else {
      await guard.finish({ status: 'failed', error: message, progress: task.progress, step: 'failed' });
    }
    deps.logger.warn({ tenantId: task.tenantId, taskId: task.id, attempt: task.attempts, err: error }, 'task attempt failed');
  } finally {
    // Nothing to give back to the lane: a slot whose task has finished (or is queued again) holds nothing.
    clearInterval(heartbeat);
  }
}

type Outcome = Partial<TaskFields> | { retry: string; notBefore: Date };

async function execute(deps: RunTaskDeps, guard: LeaseGuard, abandon: AbortSignal): Promise<Outcome> {
  const task = guard.current;
  const action = deps.actions.get(task.action);
  if (!action) return { status: 'failed', error: `Unknown action ${task.action}.` };
  const parameters: unknown = action.parameters.parse(task.parameters);
  const context: ActionContext = {
    tenantId: task.tenantId,
    taskId: task.id,
    planId: task.plan_id,
    now: deps.clock(),
    requestedBy: task.requested_by ?? 'tenant',
    models: deps.models,
    schedules: deps.schedules,
    signal: guard.stopped.signal,
    progress: async (percent, step) => {
      if (abandon.aborted) throw new LeaseLostError('abandoned');
      await guard.progress(percent, step);
    },
  };
  try {
    const tracker = new DataVersionTracker();
    const inputs: unknown = await action.load(context, parameters, tracker);
    const dataVersion = tracker.version();
    const key = ResultCache.key(task.tenantId, action.name, parameters, dataVersion);
    const phrase = (result: unknown) => (deps.phraser ?? BUILT_IN_WORDING).phrase(action.name, result, context.signal);
    const hit = await deps.results.find(task.tenantId, key);
    if (hit !== undefined) return done(await phrase(hit), dataVersion, true);
    await context.progress(50, 'computing');
    const result: unknown = action.compute(inputs, parameters, context);
    await context.progress(90, 'saving the result');
    await deps.results.store(task.tenantId, key, action.name, dataVersion, result);
    return done(await phrase(result), dataVersion, false);
  } catch (error) {
    if (error instanceof TaskCancelledError) return { status: 'cancelled', step: 'cancelled' };
    if (error instanceof PermanentTaskError) return { status: 'failed', error: error.message, step: 'failed' };
    throw error;
  }
}

function done(result: unknown, dataVersion: string, cached: boolean): Partial<TaskFields> {
  return {
    status: 'succeeded',
    result,
    data_version: dataVersion,
    cached,
    progress: 100,
    step: cached ? 'answered from the cache' : 'done',
  };
}

/** The worker's hold on one task: renews the lease, watches for a cancel request, and makes every write conditional on both. */
class LeaseGuard {
  current: Task;
  /** Aborted once the task is cancelled or the lease is lost: a long step can stop waiting at once. */
  readonly stopped = new AbortController();
  private cancelRequested = false;
  private finished = false;
  private lost = false;
  /** Progress reported and not yet written. */
  private pending: { progress: number; step: string } | undefined;
  private lastRenewal: number;
  /** When this worker last wrote the task (the claim, a progress): progress goes out at most every second beat. */
  private lastWrite: number;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: RunTaskDeps,
    task: Task,
  ) {
    this.current = task;
    this.lastRenewal = deps.clock().getTime();
    this.lastWrite = this.lastRenewal;
  }

  /**
   * Reads the task (a cancel request, a lost lease); writes the progress reported since the last write
   * when two beats have passed since it, or renews the lease when a third of it has passed.
   */
  beat(): Promise<void> {
    return this.serialized(async () => {
      if (this.finished) return;
      const now = this.deps.clock().getTime();
      const pending = this.pending;
      const progressDue = pending !== undefined && now - this.lastWrite >= 2 * this.deps.heartbeatMs;
      if (!progressDue && now - this.lastRenewal < this.deps.leaseMs / 3) return this.refresh();
      this.pending = undefined;
      try {
        await this.write(pending ? { progress: Math.max(this.current.progress, pending.progress), step: pending.step } : {});
      } catch (error) {
        this.pending ??= pending;
        throw error;
      }
    });
  }

  /**
   * Notes the progress, written by a heartbeat (or now, with the lease's renewal when that is due): at
   * most one write per two heartbeats, none for a short task (each conditional write is several
   * round trips on FerretDB). A cancel request or a lost lease, seen by the last heartbeat, stops the task here.
   */
  progress(percent: number, step: string): Promise<void> {
    if (this.lost) return Promise.reject(new LeaseLostError('lease lost'));
    if (this.cancelRequested) return Promise.reject(new TaskCancelledError());
    this.pending = { progress: Math.max(this.pending?.progress ?? 0, Math.round(percent)), step };
    // A renewal that is due goes with it now: a long step that follows (or blocks the event loop) starts on a fresh lease.
    if (this.deps.clock().getTime() - this.lastRenewal >= this.deps.leaseMs / 3) return this.beat();
    return Promise.resolve();
  }

  finish(outcome: Outcome): Promise<void> {
    return this.serialized(async () => {
      this.finished = true;
      const now = this.deps.clock();
      if ('retry' in outcome) {
        await this.refresh();
        if (this.cancelRequested)
          return void (await this.write(
            { status: 'cancelled', step: 'cancelled', finished_at: now, lease_owner: undefined, lease_until: undefined },
            false,
          ));
        const requeued = await this.deps.queue.requeue(
          this.current,
          { error: outcome.retry, step: `attempt ${this.current.attempts} failed; retrying` },
          outcome.notBefore,
        );
        if (!requeued) throw new LeaseLostError('requeue lost to a concurrent write');
        return;
      }
      await this.write({ ...outcome, finished_at: now, lease_owner: undefined, lease_until: undefined }, false);
    });
  }

  private async refresh(): Promise<void> {
    const fresh = await this.deps.tasks.findById(this.current.tenantId, this.current.id);
    if (!fresh || fresh.status !== 'running' || fresh.lease_owner !== this.deps.owner) {
      this.lost = true;
      this.stopped.abort();
      throw new LeaseLostError('lease lost');
    }
    this.current = fresh;
    this.noteCancel(fresh.cancel_requested);
  }

  /** A write that keeps (renew = true) or gives up the lease, retried on a concurrent change (a cancel request) while the lease is ours. */
  private async write(changes: Partial<TaskFields>, renew = true): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const now = this.deps.clock().getTime();
      try {
        this.current = await this.deps.tasks.update(
          this.current.tenantId,
          this.current.id,
          renew ? { ...changes, lease_until: new Date(now + this.deps.leaseMs) } : changes,
          {
            expectedVersion: this.current.version,
          },
        );
        this.lastWrite = now;
        if (renew) this.lastRenewal = now;
        this.noteCancel(this.current.cancel_requested);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await this.refresh();
      }
    }
    throw new Error('the task document kept changing under its worker');
  }

  private noteCancel(requested: boolean): void {
    this.cancelRequested = requested;
    if (requested) this.stopped.abort();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
