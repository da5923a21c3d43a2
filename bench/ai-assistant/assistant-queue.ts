/* The bench (type:testing) drives the assistant's own queue and read models in-process, and runs its replicas as child processes. */
/* eslint-disable @nx/enforce-module-boundaries */
import type { PlanId } from '@tenantry/contracts';
import { connectMongo, type MongoPersistence } from '@tenantry/persistence';
import { withDatabase } from '@tenantry/testing';
import { ACTIONS, actionRegistry } from '../../libs/ai-assistant/src/actions/registry';
import { lanesCollection, type LaneRepository } from '../../libs/ai-assistant/src/queue/lane.collection';
import { TaskQueue } from '../../libs/ai-assistant/src/queue/task-queue';
import { addUsage } from '../../libs/ai-assistant/src/read-models/follow-events';
import { ReadModels } from '../../libs/ai-assistant/src/read-models/read-models';
import { tasksCollection, type Task, type TaskRepository } from '../../libs/ai-assistant/src/tasks/task.collection';
import { Tasks } from '../../libs/ai-assistant/src/tasks/tasks';
/* eslint-enable @nx/enforce-module-boundaries */
import { deleteBenchTopicsAndGroups } from '../event-bus/kafka-cleanup';
import { analyzeSeriesAction } from './compute-action';
import { BenchChild, childLogDir, cleanEnv, freePort, TELEMETRY } from '../gateway/processes';
import type { BenchContext } from '../lib/context';
import { now, sleep } from '../lib/measure';
import { cpuSeconds } from '../lib/resources';
import { dropDatabase } from '../observability/mongo-database';
import { inPool } from '../observability/observability-db';

const REPLICA_SCRIPT = 'bench/ai-assistant/servers/assistant-replica.ts';
const ROUTES = ['/api/v1/tenants/:tenantId', '/api/v1/monetization/usage', '/api/v1/observability/slos'] as const;

/**
 * One queue of the assistant on the real FerretDB and Kafka, all its own: a database
 * `tenantry_bench_<run>_<part>` and a Kafka namespace `bench-<run>-<part>` (topics and the workers'
 * consumer group), both removed at the end. The bench process writes the read models and queues tasks
 * through the service's own `Tasks` (validation, the task and its `task.queued` in one write, the lane);
 * the replicas, child processes running the service, relay those events and run the tasks.
 */
export class AssistantQueue {
  private readonly replicas: BenchChild[] = [];
  private disposed = false;
  /** KAFKA_NAMESPACE allows no dot: `bench-<run>-<part>`, its topics and groups deleted by `dispose`. */
  readonly namespace: string;

  private constructor(
    private readonly ctx: BenchContext,
    readonly part: string,
    private readonly uri: string,
    private readonly persistence: MongoPersistence,
    readonly tasks: TaskRepository,
    readonly lanes: LaneRepository,
    readonly models: ReadModels,
    readonly service: Tasks,
  ) {
    this.namespace = `bench-${ctx.runId}-${part}`;
  }

  static async open(ctx: BenchContext, part: string): Promise<AssistantQueue> {
    const uri = withDatabase(ctx.mongodbUri, `tenantry_bench_${ctx.runId}_${part}`);
    const persistence = await connectMongo({ uri, logger: ctx.logger, appName: 'tenantry-bench', serverSelectionTimeoutMs: 10_000 });
    const [tasks, lanes, models] = await Promise.all([
      persistence.repository(tasksCollection),
      persistence.repository(lanesCollection),
      ReadModels.open(persistence),
    ]);
    const clock = () => new Date();
    // No relay here: the replicas' relays publish the `task.queued` wake-ups these writes put in the outbox.
    const queue = new TaskQueue({ tasks, lanes, outbox: { notify: () => undefined }, clock, leaseMs: 5_000 });
    const service = new Tasks({ tasks, queue, actions: actionRegistry([...ACTIONS, analyzeSeriesAction]), clock });
    const opened = new AssistantQueue(ctx, part, uri, persistence, tasks, lanes, models, service);
    ctx.atEnd(() => opened.dispose());
    return opened;
  }

  /**
   * `days` days of traffic up to today for each tenant, over three routes, with a weekly pattern and a
   * trend, written as the read models' consumer writes a `metric.recorded` batch (the day and the tenant's calendar).
   */
  async seedUsage(tenants: readonly string[], days: number): Promise<number> {
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    // Day by day, every tenant's at once: concurrent writes go to different tenants' calendars.
    const jobs = Array.from({ length: days }, (_, d) => tenants.map((tenantId, t) => ({ tenantId, t, d }))).flat();
    await inPool(jobs, 8, async ({ tenantId, t, d }) => {
      const day = new Date(today - (days - 1 - d) * 86_400_000).toISOString().slice(0, 10);
      const weekly = [0.6, 1.2, 1.1, 1.0, 1.0, 0.9, 0.5][new Date(`${day}T00:00:00Z`).getUTCDay()] ?? 1;
      const routes = ROUTES.map((route, r) => {
        const requests = Math.round((200 + 40 * t + 3 * d) * weekly * (r + 1) + (d % 17 === 5 ? 900 : 0));
        return {
          service: route.split('/')[3] ?? 'tenants',
          route,
          method: 'GET',
          request_count: requests,
          error_count: Math.round(requests * 0.01),
          client_error_count: Math.round(requests * 0.03),
          cache_hit_count: Math.round(requests * 0.6),
          rate_limited_count: d % 11 === 0 ? 7 : 0,
          latency_sum_ms: requests * 18,
          latency_max_ms: 450,
          latency_bounds_ms: [5, 25, 100, 500],
          latency_buckets: [
            Math.round(requests * 0.5),
            Math.round(requests * 0.3),
            Math.round(requests * 0.15),
            requests - Math.round(requests * 0.95),
            0,
          ],
        };
      });
      await addUsage(this.models, { tenant_id: tenantId, day, routes });
    });
    return jobs.length;
  }

  /** Queues a task for the tenant, as POST /tasks does (the parameters validated); returns it. */
  enqueue(tenantId: string, planId: PlanId, action: string, parameters: Record<string, unknown>): Promise<Task> {
    return this.service.create(tenantId, planId, { action, parameters, execute: true });
  }

  /**
   * Starts `count` replicas (child processes, each waiting for SIGUSR2 before its worker claims),
   * resolved once every one answers /ready.
   */
  async startReplicas(count: number, env: Record<string, string> = {}): Promise<BenchChild[]> {
    const started = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const port = await freePort();
        return BenchChild.start({
          name: `${this.part}-replica-${this.replicas.length + i + 1}`,
          script: REPLICA_SCRIPT,
          imports: [TELEMETRY],
          env: {
            ...cleanEnv(),
            KAFKA_BROKERS: this.ctx.kafkaBrokers.join(','),
            KAFKA_NAMESPACE: this.namespace,
            MONGODB_URI: this.uri,
            AI_ASSISTANT_PORT: String(port),
            HOST: '127.0.0.1',
            ADMIN_API_KEY: 'bench-assistant-admin-key'.padEnd(40, 'b'),
            INTERNAL_SECRET: 'bench-assistant-internal-secret'.padEnd(48, 's'),
            LOG_LEVEL: 'warn',
            // Only the task worker is measured: no scheduler loop in the replicas.
            ASSISTANT_SCHEDULER: 'false',
            ...env,
          },
          readyUrl: `http://127.0.0.1:${port}/ready`,
          logDir: childLogDir(this.ctx.runId),
        });
      }),
    );
    this.replicas.push(...started);
    return started;
  }

  /** Every replica's worker starts claiming. */
  startWorkers(replicas: readonly BenchChild[]): void {
    for (const replica of replicas) process.kill(replica.pid, 'SIGUSR2');
  }

  async stopReplicas(): Promise<void> {
    await Promise.all(this.replicas.splice(0).map((replica) => replica.stop()));
  }

  /**
   * Waits until no lane has queued work and no lane's slot holds a task still running (the lanes
   * collection is one small document per tenant, the slots' tasks are read by `_id`: cheap to poll while
   * the workers run), or `timeoutMs` passes; returns whether it drained.
   */
  async waitDrained(timeoutMs: number, pollMs = 500): Promise<boolean> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const lanes = await this.lanes.admin.listAcrossTenants({ limit: 1_000 });
      if (lanes.items.length > 0 && lanes.items.every((lane) => !lane.has_work)) {
        const holders = await Promise.all(
          lanes.items.flatMap((lane) => lane.running.map((slot) => this.tasks.findById(lane.tenantId, slot.task_id))),
        );
        if (holders.every((task) => task === null || (task.status !== 'running' && task.status !== 'queued'))) return true;
      }
      if (now() >= deadline) return false;
      await sleep(pollMs);
    }
  }

  /** Every task of the queue (one pass over the collection: after the measurement). */
  async allTasks(): Promise<Task[]> {
    const tasks: Task[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.tasks.admin.listAcrossTenants({ limit: 1_000, sort: 'asc', ...(cursor ? { cursor } : {}) });
      tasks.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return tasks;
  }

  /** Closes the connection, stops the replicas and drops the database (idempotent). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stopReplicas();
    await this.persistence.close().catch(() => undefined);
    await dropDatabase(this.uri);
    await deleteBenchTopicsAndGroups(this.ctx.kafkaBrokers, `${this.namespace}.`);
  }
}

/** CPU seconds of these processes so far (a gone process counts 0). */
export async function cpuOf(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await cpuSeconds(pid)) ?? 0;
  return total;
}

/** Runs `work` for 0 … count-1, at most `limit` at once (returns the results in order). */
export async function mapPool<T>(count: number, limit: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  await inPool(
    Array.from({ length: count }, (_, i) => i),
    limit,
    async (i) => {
      results[i] = await work(i);
    },
  );
  return results;
}
