import type { BenchContext } from '../lib/context';
import { now, sleep, timed } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import type { Scenario } from '../lib/scenario';
import type { Task } from '../../libs/ai-assistant/src/tasks/task.collection'; // eslint-disable-line @nx/enforce-module-boundaries
import { latencyOf } from './a1-task-throughput.bench';
import { AssistantQueue, mapPool } from './assistant-queue';

const A_TASKS = 500;
const B_TASKS = 5;
/** Slots per replica: 2 replicas × 2 = 4 tasks at once, fewer than A's plan allows (enterprise: 8), so A could fill every slot. */
const CAPACITY = 2;
const WAIT_MS = 120_000;

/**
 * A2: fairness on the real Kafka and FerretDB, 2 replicas (child processes) with 2 slots each, running
 * throughout. Tenant A (enterprise) queues 500 tasks, then tenant B (pro) queues 5: B's delay from its
 * enqueue to its start, against the same 5 tasks queued by B on an idle queue (same run), and how many
 * of A's tasks started between B's enqueue and B's last start (the issue: all of B's before A's 50th).
 * The tasks are `bench_analyze_series` over a year (CPU in the worker, ≈ 30–100 ms each).
 */
export const fairness: Scenario = {
  id: 'A2',
  title: 'Assistant: tenant B’s 5 tasks behind tenant A’s 500 (queueing delay, 2 replicas × 2 slots, real Kafka + FerretDB)',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const queue = await AssistantQueue.open(ctx, 'a2');
    try {
      const a = `bench-${ctx.runId}-a2-tenant-a`;
      const b = `bench-${ctx.runId}-a2-tenant-b`;
      const task = (seed: number) => ({ days: 365, seed });
      const replicas = await queue.startReplicas(2, { ASSISTANT_WORKER_CAPACITY: String(CAPACITY) });
      queue.startWorkers(replicas);

      // Baseline: B alone on the idle queue.
      const idle = await mapPool(B_TASKS, B_TASKS, (i) => queue.enqueue(b, 'pro', 'bench_analyze_series', task(i)));
      const idleStarted = await waitStarted(queue, b, idle);
      const idleDelays = idleStarted.map(delayOf);
      result.measurements.push({
        label: `baseline: B's ${B_TASKS} tasks on an idle queue`,
        events: B_TASKS,
        elapsedMs: Math.max(...idleDelays),
        eventsPerSec: Number.NaN,
        latency: { ...latencyOf(idleDelays), of: 'B: queued_at → started_at (p99 = max of 5)' },
      });
      await queue.waitDrained(WAIT_MS);

      // A's backlog, 25 submissions at a time, then B's five at once.
      const filled = await timed(() =>
        mapPool(A_TASKS, 25, (i) => queue.enqueue(a, 'enterprise', 'bench_analyze_series', task(1_000 + i))),
      );
      const bQueued = await mapPool(B_TASKS, B_TASKS, (i) => queue.enqueue(b, 'pro', 'bench_analyze_series', task(2_000 + i)));
      const bStarted = await waitStarted(queue, b, bQueued);
      const delays = bStarted.map(delayOf);
      const firstQueued = Math.min(...bStarted.map((t) => (t.queued_at as Date).getTime()));
      const lastStart = Math.max(...bStarted.map((t) => (t.started_at as Date).getTime()));
      await queue.stopReplicas();

      const aTasks = (await queue.allTasks()).filter((t) => t.tenantId === a);
      const startedBy = (at: number) => aTasks.filter((t) => t.started_at && t.started_at.getTime() <= at).length;
      const aBefore = startedBy(firstQueued);
      const aDuring = startedBy(lastStart) - aBefore;
      result.measurements.push({
        label: `B's ${B_TASKS} tasks queued behind A's backlog of ${formatNumber(A_TASKS - aBefore)}`,
        events: B_TASKS,
        elapsedMs: Math.max(...delays),
        eventsPerSec: Number.NaN,
        latency: { ...latencyOf(delays), of: 'B: queued_at → started_at (p99 = max of 5)' },
      });
      result.facts.push(
        {
          label: 'A',
          value: `${formatNumber(A_TASKS)} tasks queued in ${formatMs(filled.elapsedMs)} while the workers ran; ${formatNumber(aBefore)} had started when B queued`,
        },
        {
          label: "A's position when B's last task started",
          value: `${formatNumber(aDuring)} of A's tasks started between B's enqueue and B's last start (${formatNumber(aBefore + aDuring)} of A's since the start); B's delays ${delays.map((ms) => formatMs(ms)).join(', ')}`,
        },
      );
      result.targets.push({
        label: "every one of B's tasks starts before A's 50th (counted from B's enqueue)",
        measured: `${formatNumber(aDuring)} of A's started first; B's delay p50 ${formatMs(latencyOf(delays).p50Ms)}, max ${formatMs(Math.max(...delays))} (idle queue: p50 ${formatMs(latencyOf(idleDelays).p50Ms)}, max ${formatMs(Math.max(...idleDelays))})`,
        goal: '< 50',
        met: aDuring < 50,
      });
    } finally {
      await queue.dispose();
    }
  },
};

const delayOf = (task: Task): number => (task.started_at as Date).getTime() - (task.queued_at as Date).getTime();

/** Polls the tasks by id (cheap on FerretDB) until each has started; fails after WAIT_MS. */
async function waitStarted(queue: AssistantQueue, tenantId: string, tasks: readonly Task[]): Promise<Task[]> {
  const deadline = now() + WAIT_MS;
  for (;;) {
    const current = await Promise.all(tasks.map((task) => queue.tasks.findById(tenantId, task.id)));
    if (current.every((task) => task?.started_at !== undefined)) return current as Task[];
    if (now() >= deadline) throw new Error(`${tenantId}'s tasks not all started within ${WAIT_MS / 1000} s`);
    await sleep(100);
  }
}
