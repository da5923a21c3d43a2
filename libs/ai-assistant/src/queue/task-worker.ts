import { randomUUID } from 'node:crypto';
import type { Logger } from '@tenantry/telemetry';
import { runTask, type RunTaskDeps } from './run-task';
import type { Task } from '../tasks/task.collection';
import type { TaskQueue } from './task-queue';

/**
 * One sweep in this many also looks for queued tasks that their lane does not list (a replica died
 * between the two writes of a submit), a read of every queued task: with the default lease of 30 s
 * (a sweep every 15 s) such a task waits at most ≈ 2.5 min.
 */
const RELIST_EVERY_SWEEPS = 10;

export interface TaskWorkerOptions extends Omit<RunTaskDeps, 'owner'> {
  queue: TaskQueue;
  logger: Logger;
  /** Tasks this worker runs at once (across tenants; each tenant is further limited by its plan). */
  capacity: number;
  /** How long an idle worker waits before looking again when no wake-up came. */
  pollMs: number;
  /**
   * Free slots a busy worker waits for before it claims again on a wake-up (default: half its capacity):
   * each claim pass reads the lanes with work and writes the ones it takes from, so fewer, larger
   * passes cost less per task. An idle worker claims at once, and any free slot is claimed when the
   * poll comes round.
   */
  claimBatch?: number;
  /** How often the queue is swept: expired leases, and queued tasks their lane does not list (TaskQueue.sweep). */
  sweepMs: number;
}

/**
 * One worker replica: claims tasks fairly from the queue while it has capacity, runs them, and
 * takes over tasks whose worker died. Kafka's `task.queued` calls `wake()`; the poll is the fallback.
 */
export class TaskWorker {
  readonly owner = `worker-${randomUUID()}`;
  private readonly running = new Set<Promise<void>>();
  private readonly abandon = new AbortController();
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastSweep = 0;
  /** Sweeps made so far. */
  private sweeps = 0;
  /** A wake-up that came while busy is kept, so the next idle does not wait for the poll. */
  private woken = false;
  /** When this worker last read the queue: after a poll interval, every free slot is claimed, however few. */
  private lastPass = 0;

  constructor(private readonly options: TaskWorkerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Looks for work now (a `task.queued` arrived, or a slot freed). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** Stops claiming, lets the running tasks finish, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  /**
   * Dies as a killed process would: stops at once, renews no lease, writes nothing more. Its tasks are
   * taken over by another worker when their leases expire. For failure tests.
   */
  async crash(): Promise<void> {
    this.abandon.abort();
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  get activeTasks(): number {
    return this.running.size;
  }

  private async run(): Promise<void> {
    const { queue, logger } = this.options;
    while (!this.stopping) {
      try {
        await this.sweepWhenDue();
        const free = this.options.capacity - this.running.size;
        const batch = Math.min(this.options.capacity, this.options.claimBatch ?? Math.ceil(this.options.capacity / 2));
        if (free > 0 && (free >= batch || this.running.size === 0 || Date.now() - this.lastPass >= this.options.pollMs)) {
          // Every free slot in one pass: one read of the queue however many are taken.
          this.lastPass = Date.now();
          const claimed = await queue.claim(this.owner, free);
          if (claimed.length > 0 && !this.abandon.signal.aborted) {
            for (const task of claimed) this.startRun(task);
            continue;
          }
        }
      } catch (error) {
        logger.warn({ err: error }, 'claiming tasks failed; retrying');
      }
      await this.idle();
    }
  }

  private startRun(claimed: Task): void {
    const { logger } = this.options;
    logger.debug({ tenantId: claimed.tenantId, taskId: claimed.id, attempt: claimed.attempts }, 'task claimed');
    const run = runTask({ ...this.options, owner: this.owner }, claimed, this.abandon.signal)
      .catch((error: unknown) => logger.error({ err: error, taskId: claimed.id }, 'task run ended with an error'))
      .finally(() => {
        this.running.delete(run);
        this.wake();
      });
    this.running.add(run);
  }

  private async sweepWhenDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < this.options.sweepMs) return;
    this.lastSweep = now;
    // The first sweep, and every RELIST_EVERY_SWEEPS-th after it, also reads every queued task (see TaskQueue.sweep).
    const { recovered, relisted } = await this.options.queue.sweep({ relist: this.sweeps++ % RELIST_EVERY_SWEEPS === 0 });
    if (recovered > 0) this.options.logger.info({ recovered }, 'tasks of a lost worker queued again');
    if (relisted > 0) this.options.logger.warn({ relisted }, 'queued tasks missing from their lanes listed again');
  }

  private idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        this.woken = false;
        this.wakeUp = undefined;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs);
      this.wakeUp = done;
    });
  }
}
