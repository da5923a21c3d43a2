import { readFile } from 'node:fs/promises';
import { LatencyHistogram, median, now } from '../lib/measure';
import { formatNumber, type Measurement, type Ratio } from '../lib/report';
import { cpuSeconds, runQueueWait } from '../lib/resources';
import { describeStatuses, type LoadResult } from './load';

/** Every measured run lasts this long, after a warm-up of each variant. */
export const MEASURE_MS = 5_000;
export const WARMUP_MS = 3_000;
/** A B A B A B: each variant runs this many times, alternating; a ratio is the median of the rounds' (a real round's). */
export const ROUNDS = 3;
/** Concurrent connections of the throughput runs. */
export const CONNECTIONS = 32;

export interface LoadVariant {
  label: string;
  /** One run of `durationMs` (built fresh each time: signed headers expire). */
  run(durationMs: number): Promise<LoadResult>;
  /** Processes (name → pid) whose CPU is reported for this variant's runs, besides the bench process and the local servers. */
  processes: Record<string, number>;
  /**
   * The processes (names from `processes` or the servers) whose CPU is the cost of serving this
   * variant's requests, for the CPU-per-request figures; default: those of `processes`.
   */
  serving?: readonly string[];
}

export interface VariantOutcome {
  variant: LoadVariant;
  runs: LoadResult[];
  /** The warm-up run (not measured), if any. */
  warmup?: LoadResult;
  latency: LatencyHistogram;
  medianRate: number;
  /** Share of one core each process used during this variant's measured runs. */
  cpu: Map<string, number>;
  /** CPU seconds each process used during this variant's measured runs. */
  cpuSeconds: Map<string, number>;
  /** Per process: ms its main thread waited for a CPU while ready to run, and its preemptions, over the measured runs. */
  runQueue: Map<string, { waitMs: number; preemptions: number }>;
  /** Wall time of the measured runs (ms). */
  wallMs: number;
}

export interface InterleaveOptions {
  /** The servers involved (name → pid), whose CPU is reported with every variant's. */
  servers: Record<string, number>;
  rounds?: number;
  durationMs?: number;
  warmupMs?: number;
}

/** Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait). */
async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / 100;
}

const OTHERS = 'others on the machine';

/**
 * Warms every variant up, then runs them in `rounds` alternating rounds (A B C A B C), so slow drifts of
 * a shared, noisy machine hit every variant alike. CPU of the processes involved is read from /proc
 * around each run, to show what bounded it.
 */
export async function interleave(variants: readonly LoadVariant[], options: InterleaveOptions): Promise<VariantOutcome[]> {
  const rounds = options.rounds ?? ROUNDS;
  const durationMs = options.durationMs ?? MEASURE_MS;
  const warmupMs = options.warmupMs ?? WARMUP_MS;
  const servers = Object.entries(options.servers);
  const outcomes: VariantOutcome[] = variants.map((variant) => ({
    variant,
    runs: [],
    latency: new LatencyHistogram(),
    medianRate: 0,
    cpu: new Map(),
    cpuSeconds: new Map(),
    runQueue: new Map(),
    wallMs: 0,
  }));
  const cpuTotals = outcomes.map(() => new Map<string, number>());
  const wallTotals = outcomes.map(() => 0);
  if (warmupMs > 0) for (const outcome of outcomes) outcome.warmup = await outcome.variant.run(warmupMs);
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, outcome] of outcomes.entries()) {
      const pids = new Map<string, number>([...Object.entries(outcome.variant.processes), ...servers]);
      const before = await cpuOf(pids);
      const waitsBefore = await runQueueOf(withBench(pids));
      const machineBefore = await machineBusySeconds();
      const ownBefore = process.cpuUsage();
      const started = now();
      const result = await outcome.variant.run(durationMs);
      const wallS = (now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      const machine = (await machineBusySeconds()) - machineBefore;
      const after = await cpuOf(pids);
      for (const [name, waited] of await runQueueOf(withBench(pids))) {
        const start = waitsBefore.get(name);
        if (!start) continue;
        const sum = outcome.runQueue.get(name) ?? { waitMs: 0, preemptions: 0 };
        outcome.runQueue.set(name, {
          waitMs: sum.waitMs + waited.waitMs - start.waitMs,
          preemptions: sum.preemptions + waited.preemptions - start.preemptions,
        });
      }
      const totals = cpuTotals[index] ?? new Map<string, number>();
      const add = (name: string, seconds: number) => totals.set(name, (totals.get(name) ?? 0) + seconds);
      let known = (own.user + own.system) / 1e6;
      add(BENCH, known);
      for (const [name, seconds] of after) {
        const used = seconds - (before.get(name) ?? seconds);
        add(name, used);
        known += used;
      }
      // Everything else that ran meanwhile: the other gateways idling, and whatever else shares the machine.
      add(OTHERS, Math.max(0, machine - known));
      wallTotals[index] = (wallTotals[index] ?? 0) + wallS;
      outcome.runs.push(result);
      outcome.latency.add(result.histogram);
    }
  }
  for (const [index, outcome] of outcomes.entries()) {
    outcome.medianRate = median(outcome.runs.map((run) => run.perSecond));
    const wall = wallTotals[index] ?? 0;
    outcome.wallMs = wall * 1000;
    for (const [name, seconds] of cpuTotals[index] ?? []) {
      outcome.cpu.set(name, wall > 0 ? seconds / wall : 0);
      outcome.cpuSeconds.set(name, seconds);
    }
  }
  return outcomes;
}

const BENCH = 'bench (load generator)';

function withBench(pids: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([[BENCH, process.pid], ...pids]);
}

async function runQueueOf(pids: ReadonlyMap<string, number>): Promise<Map<string, { waitMs: number; preemptions: number }>> {
  const waits = new Map<string, { waitMs: number; preemptions: number }>();
  for (const [name, pid] of pids) {
    const value = await runQueueWait(pid);
    if (value) waits.set(name, value);
  }
  return waits;
}

async function cpuOf(pids: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (const [name, pid] of pids) {
    const value = await cpuSeconds(pid);
    if (value !== undefined) seconds.set(name, value);
  }
  return seconds;
}

/** Every response the variant got, warm-up included (to compare with counters read around `interleave`). */
export function allResponses(outcome: VariantOutcome): number {
  return outcome.runs.reduce((sum, run) => sum + run.responses, outcome.warmup?.responses ?? 0);
}

/** The median over rounds of subject rate / baseline rate (runs of round i were next to each other). */
export function medianRatio(subject: VariantOutcome, baseline: VariantOutcome): number {
  return median(subject.runs.map((run, round) => run.perSecond / (baseline.runs[round]?.perSecond ?? Number.NaN)));
}

export function ratioOf(
  label: string,
  subject: VariantOutcome,
  baseline: VariantOutcome,
  names: { subject: string; baseline: string },
  atLeast?: number,
): Ratio {
  return {
    label,
    subject: `${names.subject} (median of ${subject.runs.length})`,
    subjectValue: subject.medianRate,
    baseline: `${names.baseline} (median of ${baseline.runs.length})`,
    baselineValue: baseline.medianRate,
    unit: 'req/s',
    value: medianRatio(subject, baseline),
    ...(atLeast !== undefined ? { atLeast } : {}),
  };
}

/** Responses of the measured runs. */
const measuredResponses = (outcome: VariantOutcome): number => outcome.runs.reduce((sum, run) => sum + run.responses, 0);

/** µs of CPU per request of each serving process, and their sum (measured runs). */
export function cpuPerRequest(outcome: VariantOutcome): { totalUs: number; parts: Array<[string, number]> } {
  const names = outcome.variant.serving ?? Object.keys(outcome.variant.processes);
  const responses = Math.max(1, measuredResponses(outcome));
  const parts = names.map((name): [string, number] => [name, ((outcome.cpuSeconds.get(name) ?? 0) * 1e6) / responses]);
  return { totalUs: parts.reduce((sum, [, us]) => sum + us, 0), parts };
}

/**
 * Requests per CPU-second of the serving processes, subject / baseline. Throughput on this shared
 * 2-core machine depends on how much CPU the other engineers' processes leave; the CPU each request
 * costs does much less, so this ratio is the steadier one (reported next to the target, not instead).
 */
export function efficiencyRatioOf(
  label: string,
  subject: VariantOutcome,
  baseline: VariantOutcome,
  names: { subject: string; baseline: string },
): Ratio {
  const perCpuSecond = (outcome: VariantOutcome) => 1e6 / Math.max(1e-9, cpuPerRequest(outcome).totalUs);
  return {
    label: `${label}, per CPU-second`,
    subject: `${names.subject} (${servingNames(subject)})`,
    subjectValue: perCpuSecond(subject),
    baseline: `${names.baseline} (${servingNames(baseline)})`,
    baselineValue: perCpuSecond(baseline),
    unit: 'req/CPU-s',
  };
}

const servingNames = (outcome: VariantOutcome): string => (outcome.variant.serving ?? Object.keys(outcome.variant.processes)).join(' + ');

/** "gateway cached: 118 µs (gateway 105, Redis 13)" per variant. */
export function cpuCostLine(outcomes: readonly VariantOutcome[]): string {
  return outcomes
    .map((outcome) => {
      const { totalUs, parts } = cpuPerRequest(outcome);
      return `${outcome.variant.label}: ${totalUs.toFixed(0)} µs (${parts.map(([name, us]) => `${name} ${us.toFixed(0)}`).join(', ')})`;
    })
    .join('; ');
}

/** One row: all rounds' responses and time, the median rate, percentiles over every response of every round. */
export function measurementOf(outcome: VariantOutcome, latencyOf = 'request written → response read (autocannon, µs clock)'): Measurement {
  const responses = outcome.runs.reduce((sum, run) => sum + run.responses, 0);
  const elapsedMs = outcome.runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  const bytes = median(outcome.runs.map((run) => run.bytesPerResponse));
  const statuses = mergedStatuses(outcome.runs);
  return {
    label: outcome.variant.label,
    events: responses,
    elapsedMs,
    eventsPerSec: outcome.medianRate,
    latency: { ...outcome.latency.summary(), of: latencyOf },
    note: `rounds: ${outcome.runs.map((run) => formatNumber(run.perSecond)).join(' / ')} req/s; ${statuses}; ${formatNumber(bytes)} B/response`,
  };
}

function mergedStatuses(runs: readonly LoadResult[]): string {
  const merged = { statuses: new Map<number, number>(), errors: 0 };
  for (const run of runs) {
    for (const [status, count] of run.statuses) merged.statuses.set(status, (merged.statuses.get(status) ?? 0) + count);
    merged.errors += run.errors;
  }
  return describeStatuses(merged);
}

/** "gateway cached: gateway 99%, bench (load generator) 71%, Redis 24%, …" (share of one core during the runs). */
export function cpuLine(outcome: VariantOutcome): string {
  const shares = [...outcome.cpu].filter(([, share]) => share >= 0.005).map(([name, share]) => `${name} ${Math.round(share * 100)}%`);
  return `${outcome.variant.label}: ${shares.join(', ')}`;
}

/**
 * Per process: how long its main thread waited for a CPU while ready to run, per second of the runs,
 * and how long each wait was on average (wait / preemptions) — what the tail latency is made of.
 */
export function runQueueLine(outcome: VariantOutcome): string {
  const seconds = outcome.wallMs / 1000;
  const parts = [...outcome.runQueue]
    .filter(([, { waitMs }]) => seconds > 0 && waitMs / seconds >= 1)
    .map(([name, { waitMs, preemptions }]) => {
      const each =
        preemptions > 0 ? `, ${formatNumber(preemptions / seconds)} preemptions/s of ${formatNumber(waitMs / preemptions, 2)} ms` : '';
      return `${name} ${formatNumber(waitMs / seconds)} ms/s${each}`;
    });
  return `${outcome.variant.label}: ${parts.join(', ') || 'none'}`;
}
