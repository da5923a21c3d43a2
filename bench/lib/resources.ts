import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { now } from './measure';

/** Linux clock ticks per second (USER_HZ), what /proc/<pid>/stat counts CPU time in. */
const CLOCK_TICKS = 100;

/** The servers' processes when infra/local started them (their pid files); none for external servers. */
export async function localServerPids(env: NodeJS.ProcessEnv = process.env): Promise<Map<string, number>> {
  const stateDir = env['TENANTRY_INFRA_DIR'] ?? path.join(os.homedir(), '.local/state/tenantry-infra');
  const pids = new Map<string, number>();
  for (const [name, file] of [
    ['Kafka', 'kafka/kafka.pid'],
    ['FerretDB', 'ferretdb/ferretdb.pid'],
  ] as const) {
    const pid = Number((await readFile(path.join(stateDir, file), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && (await cpuSeconds(pid)) !== undefined) pids.set(name, pid);
  }
  return pids;
}

/** CPU seconds (user + system) a process has used so far; undefined when it is gone. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * How long a process's main thread (for node: the JavaScript thread) waited for a CPU so far while it
 * was ready to run, and how often the kernel took a CPU away from it (involuntary context switches);
 * undefined when it is gone. On a machine with fewer cores than busy processes this wait is in the
 * latency of every request that arrives meanwhile: it is what a tail percentile is made of.
 */
export async function runQueueWait(pid: number): Promise<{ waitMs: number; preemptions: number } | undefined> {
  try {
    const [schedstat, status] = await Promise.all([readFile(`/proc/${pid}/schedstat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    // schedstat: time on a CPU, time waiting on a run queue (ns), timeslices run.
    const waitNs = Number(schedstat.trim().split(/\s+/)[1]);
    const preemptions = Number(/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1]);
    return Number.isFinite(waitNs) && Number.isFinite(preemptions) ? { waitMs: waitNs / 1e6, preemptions } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a scenario cost the machine: CPU of this process and of the local Kafka and FerretDB (share of
 * one core over the scenario's wall time; the machine has `nproc` of them), and this process's
 * event-loop delay (a busy loop delays every timer, heartbeats included).
 */
export class ResourceMeter {
  private readonly loop: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
  private startedAt = 0;
  private ownStart: NodeJS.CpuUsage = process.cpuUsage();
  private readonly serverStart = new Map<string, number>();

  constructor(private readonly pids: ReadonlyMap<string, number>) {}

  async start(): Promise<void> {
    for (const [name, pid] of this.pids) this.serverStart.set(name, (await cpuSeconds(pid)) ?? 0);
    this.ownStart = process.cpuUsage();
    this.startedAt = now();
    this.loop.reset();
    this.loop.enable();
  }

  async stop(): Promise<string> {
    this.loop.disable();
    const wallS = (now() - this.startedAt) / 1000;
    const own = process.cpuUsage(this.ownStart);
    const shares = [`bench process ${percent((own.user + own.system) / 1e6, wallS)}`];
    for (const [name, pid] of this.pids) {
      const end = await cpuSeconds(pid);
      if (end !== undefined) shares.push(`${name} ${percent(end - (this.serverStart.get(name) ?? end), wallS)}`);
    }
    const loopP99 = this.loop.percentile(99) / 1e6;
    const loopMax = this.loop.max / 1e6;
    return `CPU (100% = one core): ${shares.join(', ')}; bench event-loop delay p99 ${loopP99.toFixed(0)} ms, max ${loopMax.toFixed(0)} ms`;
  }
}

const percent = (cpuS: number, wallS: number): string => `${wallS > 0 ? Math.round((cpuS / wallS) * 100) : 0}%`;
