import type { BenchContext } from '../lib/context';
import { benchTenants } from '../lib/events';
import { median, rate, timed } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import { localServerPids } from '../lib/resources';
import type { Scenario } from '../lib/scenario';
import { AssistantQueue, cpuOf, mapPool } from './assistant-queue';

/** Enterprise tenants (8 of their tasks at once each): the plans' limits never bound the workers here. */
const TENANTS = 16;
/** Rounds: 1, 2, 2, 1 replicas, so drift of the shared machine hits both alike. */
const ROUNDS = (process.env['A1_ROUNDS'] ?? '1,2,2,1').split(',').map(Number);
const ROUND_TIMEOUT_MS = 150_000;
/**
 * Completions left out at each end of a round: the first ones (the replicas' warm-up: cold JIT, first
 * connections, every slot starting at once) and the last ones (the drain, when fewer tasks than slots are
 * left). The same count in every round, one replica or two: 2 replicas × capacity 8.
 */
const EDGE = Number(process.env['A1_EDGE'] ?? 16);

interface Workload {
  key: string;
  title: string;
  tasks: number;
  /** Usage days per tenant seeded in the read models. */
  days: number;
  task(i: number): { action: string; parameters: Record<string, unknown> };
}

/**
 * The two kinds of work: a real action over read models on FerretDB (its time is the database's), and
 * the same analysis over a series held in memory (its time is the worker's CPU).
 */
const WORKLOADS: readonly Workload[] = [
  {
    key: 'usage',
    title: 'analyze_usage over the read models (16 tenants × 30 days of usage on FerretDB)',
    tasks: Number(process.env['A1_USAGE_TASKS'] ?? 96),
    days: 30,
    // A distinct window per task of a tenant (7 … 365 days): every task computes, none is a cache hit.
    task: (i) => ({ action: 'analyze_usage', parameters: { lookback_days: 7 + (Math.floor(i / TENANTS) % 359) } }),
  },
  {
    key: 'cpu',
    title: 'analyze_usage’s statistics over a 2-year series in memory (CPU in the worker, no read model)',
    tasks: Number(process.env['A1_CPU_TASKS'] ?? 96),
    days: 0,
    task: (i) => ({ action: 'bench_analyze_series', parameters: { days: 730, seed: i } }),
  },
];

/**
 * A1: assistant tasks per second with one worker replica and with two, each replica a child process
 * running the service as deployed (capacity 8, lease 5 s, poll 500 ms, `task.queued` wake-ups over
 * Kafka), on the real Kafka and FerretDB. Every round has a database and a Kafka namespace of its own;
 * the queue is filled first (through the service's own Tasks.create), then every replica's worker
 * starts at once. From the task documents: tasks/s in steady state = completions EDGE+1 … tasks−EDGE ÷
 * the time between those finishes (each replica's warm-up and the final drain left out, the same task
 * count in every round; the target), and over the whole round = tasks ÷ (last finished_at − first started_at).
 * CPU is reported per replica process, and for Kafka and FerretDB, which share the two cores with them.
 */
export const taskThroughput: Scenario = {
  id: 'A1',
  title: 'Assistant: tasks/s with 2 worker replicas vs 1 (child processes, real Kafka + FerretDB)',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const servers = await localServerPids();
    const only = process.env['A1_WORKLOADS']?.split(',');
    for (const workload of WORKLOADS.filter((w) => !only || only.includes(w.key))) {
      const rounds: Array<{ replicas: number } & RoundRates> = [];
      for (const [i, replicas] of ROUNDS.entries())
        rounds.push({ replicas, ...(await round(ctx, result, workload, i, replicas, servers)) });
      const of = (replicas: number, key: keyof RoundRates) => rounds.filter((r) => r.replicas === replicas).map((r) => r[key]);
      result.ratios.push(
        {
          label: `${workload.key}: tasks/s in steady state (completions ${EDGE + 1} to ${workload.tasks - EDGE}), 2 worker replicas / 1`,
          subject: `2 replicas (median of ${of(2, 'steady').length})`,
          subjectValue: median(of(2, 'steady')),
          baseline: `1 replica (median of ${of(1, 'steady').length})`,
          baselineValue: median(of(1, 'steady')),
          unit: 'tasks/s',
          atLeast: 1.7,
        },
        {
          label: `${workload.key}: tasks/s from the first start to the last finish (warm-up and drain included), 2 / 1`,
          subject: `2 replicas (median of ${of(2, 'whole').length})`,
          subjectValue: median(of(2, 'whole')),
          baseline: `1 replica (median of ${of(1, 'whole').length})`,
          baselineValue: median(of(1, 'whole')),
          unit: 'tasks/s',
        },
      );
    }
  },
};

interface RoundRates {
  /** Completions EDGE+1 … tasks−EDGE ÷ the time between the EDGE-th and the (tasks−EDGE)-th finish. */
  steady: number;
  /** Every task ÷ (last finished_at − first started_at). */
  whole: number;
}

async function round(
  ctx: BenchContext,
  result: ScenarioResult,
  workload: Workload,
  index: number,
  replicas: number,
  servers: ReadonlyMap<string, number>,
): Promise<RoundRates> {
  const label = `${workload.key} round ${index + 1}`;
  const queue = await AssistantQueue.open(ctx, `a1${workload.key}${index}`);
  try {
    const tenants = benchTenants(`${ctx.runId}a1${workload.key}${index}`, TENANTS);
    const seeded = workload.days > 0 ? await timed(() => queue.seedUsage(tenants, workload.days)) : undefined;
    const filled = await timed(() =>
      mapPool(workload.tasks, 16, (i) => {
        const { action, parameters } = workload.task(i);
        return queue.enqueue(tenants[i % TENANTS] as string, 'enterprise', action, parameters);
      }),
    );
    const children = await queue.startReplicas(replicas);
    const pids = children.map((child) => child.pid);
    const before = { replicas: await Promise.all(pids.map((pid) => cpuOf([pid]))), servers: await serverCpu(servers) };
    const started = performance.now();
    queue.startWorkers(children);
    const drained = await queue.waitDrained(ROUND_TIMEOUT_MS);
    const wallS = (performance.now() - started) / 1000;
    const after = { replicas: await Promise.all(pids.map((pid) => cpuOf([pid]))), servers: await serverCpu(servers) };
    await queue.stopReplicas();

    const tasks = await queue.allTasks();
    const succeeded = tasks.filter((task) => task.status === 'succeeded');
    const firstStart = Math.min(...tasks.flatMap((task) => (task.started_at ? [task.started_at.getTime()] : [])));
    const lastFinish = Math.max(...succeeded.flatMap((task) => (task.finished_at ? [task.finished_at.getTime()] : [])));
    const elapsedMs = lastFinish - firstStart;
    const finishes = succeeded.flatMap((task) => (task.finished_at ? [task.finished_at.getTime()] : [])).sort((a, b) => a - b);
    const windowStart = finishes[EDGE - 1] ?? Number.NaN;
    const windowEnd = finishes[finishes.length - EDGE - 1] ?? Number.NaN;
    const steadyMs = windowEnd - windowStart;
    const steady = finishes.length > 2 * EDGE ? rate(finishes.length - 2 * EDGE, steadyMs) : Number.NaN;
    const durations = succeeded.flatMap((task) =>
      task.started_at && task.finished_at ? [task.finished_at.getTime() - task.started_at.getTime()] : [],
    );
    const cpu = [
      ...after.replicas.map((seconds, i) => `replica ${i + 1} ${percent(seconds - (before.replicas[i] ?? 0), wallS)}`),
      ...[...after.servers].map(([name, seconds]) => `${name} ${percent(seconds - (before.servers.get(name) ?? seconds), wallS)}`),
    ].join(', ');
    const tasksPerSec = rate(succeeded.length, elapsedMs);
    // Each round as it ends (the runner prints the scenario at its end): a long run shows where it is.
    process.stderr.write(
      `A1 ${label}: ${replicas} replica(s), ${succeeded.length} tasks in ${formatMs(elapsedMs)}, ${tasksPerSec.toFixed(2)} tasks/s; ` +
        `steady state ${finishes.length - 2 * EDGE} tasks in ${formatMs(steadyMs)}, ${steady.toFixed(2)} tasks/s; CPU over ${wallS.toFixed(1)} s: ${cpu}\n`,
    );
    result.measurements.push({
      label: `${label}: ${replicas} replica${replicas > 1 ? 's' : ''} × capacity 8, steady state (completions ${EDGE + 1}–${workload.tasks - EDGE})`,
      events: finishes.length - 2 * EDGE,
      elapsedMs: steadyMs,
      eventsPerSec: steady,
      latency: { ...latencyOf(durations), of: 'task started_at → finished_at, every task' },
      note: `whole round ${formatNumber(succeeded.length)} tasks in ${formatMs(elapsedMs)} = ${tasksPerSec.toFixed(2)} tasks/s; CPU (100% = one core) over the round: ${cpu}`,
    });
    result.facts.push({
      label,
      value: `${workload.title}: ${seeded ? `${formatNumber(seeded.result)} usage days seeded in ${formatMs(seeded.elapsedMs)}, ` : ''}${formatNumber(workload.tasks)} tasks queued in ${formatMs(filled.elapsedMs)} (${formatNumber(rate(workload.tasks, filled.elapsedMs))}/s)`,
    });
    const attempts = succeeded.filter((task) => task.attempts !== 1).length;
    const cached = succeeded.filter((task) => task.cached).length;
    result.checks.push({
      label: `${label}: every task succeeded once, computed (not from the cache)`,
      ok: drained && succeeded.length === workload.tasks && attempts === 0 && cached === 0,
      ...(drained ? {} : { unverified: true }),
      detail: `${formatNumber(succeeded.length)} of ${formatNumber(workload.tasks)} succeeded (${tasks.length - succeeded.length} not), ${attempts} with more than one attempt, ${cached} from the cache${drained ? '' : `; not drained within ${ROUND_TIMEOUT_MS / 1000} s`}`,
    });
    return { steady, whole: tasksPerSec };
  } finally {
    await queue.dispose();
  }
}

async function serverCpu(servers: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const cpu = new Map<string, number>();
  for (const [name, pid] of servers) cpu.set(name, await cpuOf([pid]));
  return cpu;
}

const percent = (cpuS: number, wallS: number): string => `${wallS > 0 ? Math.round((cpuS / wallS) * 100) : 0}%`;

/** Percentiles of a list of durations (ms). */
export function latencyOf(values: readonly number[]): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? Number.NaN };
}
