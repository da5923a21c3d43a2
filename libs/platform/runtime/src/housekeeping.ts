import type { ProcessedEventStore } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';

/** How often a task runs unless it says otherwise: its deletes scan collections, so rarely. */
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

export interface HousekeepingTask {
  /** Names the task in logs. */
  name: string;
  intervalMs?: number;
  /** Deletes what expired by `now`; resolves to how many records went. */
  run(now: Date): Promise<number>;
}

/**
 * Clean-up of what the platform's stores would otherwise keep forever: processed event ids (the
 * platform registers that task itself) and whatever a service registers (its expired idempotency
 * records). Each task runs every `intervalMs` on unref'd timers, never overlapping its own previous
 * run; a failure is logged and the next run retries. Every process runs its own tasks: two processes
 * deleting what expired before a cutoff do no harm.
 */
export class Housekeeping {
  private readonly tasks: HousekeepingTask[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Runs `task` periodically. Tasks are known by name: a second one of the same name (another service of this process registering the same clean-up) is ignored. */
  every(task: HousekeepingTask): void {
    if (this.stopped || this.tasks.some((known) => known.name === task.name)) return;
    this.tasks.push(task);
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      const run = this.run(task).finally(() => {
        busy = false;
        this.running.delete(run);
      });
      this.running.add(run);
    }, task.intervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS);
    timer.unref();
    this.timers.push(timer);
  }

  /** Runs every registered task once, now (what the timers do); resolves to what each removed (undefined: it failed). */
  async runAll(): Promise<Record<string, number | undefined>> {
    const outcomes = await Promise.all(this.tasks.map(async (task) => [task.name, await this.run(task)] as const));
    return Object.fromEntries(outcomes);
  }

  /** No task starts after this; resolves when the runs in progress are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.running);
  }

  private async run(task: HousekeepingTask): Promise<number | undefined> {
    try {
      const removed = await task.run(this.clock());
      if (removed > 0) this.logger.info({ task: task.name, removed }, 'housekeeping removed expired records');
      return removed;
    } catch (error) {
      this.logger.warn({ err: error, task: task.name }, 'housekeeping task failed; its next run retries');
      return undefined;
    }
  }
}

/**
 * Forgets processed event ids recorded more than `retentionMs` ago. The store is opened on the first
 * run (with MongoDB that creates its indexes) and kept.
 */
export function processedEventsPruning(openStore: () => Promise<ProcessedEventStore>, retentionMs: number): HousekeepingTask {
  let store: Promise<ProcessedEventStore> | undefined;
  return {
    name: 'processed-events',
    async run(now) {
      store ??= openStore().catch((error: unknown) => {
        store = undefined;
        throw error;
      });
      return (await store).deleteProcessedBefore(new Date(now.getTime() - retentionMs));
    },
  };
}
