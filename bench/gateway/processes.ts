import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { now, sleep } from '../lib/measure';

export const ROOT = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;
/** Loaded with --import before a service's main.ts, as `nx serve` and `npm start` do. */
export const TELEMETRY = './libs/platform/telemetry/src/register.ts';

/** Every child this process started and has not stopped: killed when the bench exits, however it exits. */
const running = new Set<ChildProcess>();
/** Daemons started for the bench (the private infra), by pid, until they are stopped normally. */
const daemons = new Set<number>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const pid of daemons) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Kills `pid` if the bench exits before `forgetOnExit(pid)` (e.g. at the runner's hard time limit). */
export function killOnExit(pid: number): void {
  daemons.add(pid);
}

export function forgetOnExit(pid: number): void {
  daemons.delete(pid);
}

/** A free TCP port on loopback (bound and released: another process could take it in between, rarely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ChildSpec {
  /** Names the process in reports and its log file. */
  name: string;
  /** The script to run, relative to the repository root: TypeScript (run with tsx) unless `plainNode`. */
  script: string;
  /** Run the script with node alone (a production bundle, see scripts/build.mjs): no tsx import. */
  plainNode?: boolean;
  /**
   * The checkout the child runs from (its working directory, where `script` and the imports resolve):
   * this repository by default; another worktree to measure its code on the same stack (e.g. main
   * against a branch, see cpu-per-hit.ts). It needs its own node_modules (a symlink will do).
   */
  root?: string;
  args?: readonly string[];
  /** Loaded with `--import` before the script, in order (e.g. the telemetry register). */
  imports?: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Node flags before the imports (e.g. `--cpu-prof` when investigating). */
  nodeArgs?: readonly string[];
  /** Polled until it answers 200: `http://127.0.0.1:<port>/ready`. */
  readyUrl: string;
  /** The directory the child's stdout and stderr go to (`<name>.log`). */
  logDir: string;
}

/**
 * A child process of the bench: a service (`apps/<app>/src/main.ts` with the telemetry register, as
 * `nx serve` runs it) or a baseline server, on its own event loop, so the load generator in the bench
 * process never shares one with what it measures. Output goes to a log file, not to the bench's terminal.
 */
export class BenchChild {
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitedPromise: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    running.add(child);
    this.exitedPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        running.delete(child);
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Spawns the child and resolves once its readiness URL answers 200 (or rejects with the end of its log). */
  static async start(spec: ChildSpec): Promise<BenchChild> {
    mkdirSync(spec.logDir, { recursive: true });
    const logFile = path.join(spec.logDir, `${spec.name}.log`);
    const log = createWriteStream(logFile);
    const imports = [...(spec.plainNode ? [] : ['tsx']), ...(spec.imports ?? [])].flatMap((specifier) => ['--import', specifier]);
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), ...imports, spec.script, ...(spec.args ?? [])], {
      cwd: spec.root ?? ROOT,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const started = new BenchChild(spec.name, child, logFile);
    await started.waitReady(spec.readyUrl);
    return started;
  }

  private async waitReady(url: string): Promise<void> {
    const deadline = now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    while (now() < deadline) {
      if (this.exited)
        throw new Error(`${this.name} exited (${this.exited.signal ?? this.exited.code}) before it was ready:\n${this.logTail()}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
        last = `${response.status} ${(await response.text()).slice(0, 300)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(250);
    }
    await this.stop();
    throw new Error(`${this.name} not ready after ${READY_TIMEOUT_MS / 1000} s (${url}: ${last}):\n${this.logTail()}`);
  }

  /** How much the child has logged so far (a position for `linesSince`). */
  logMark(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  /** The lines the child logged after `mark`. */
  linesSince(mark: number): string[] {
    try {
      return readFileSync(this.logFile).subarray(mark).toString('utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /** The last lines the child wrote (for error messages). */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM (graceful: the services drain HTTP and flush), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exitedPromise;
    clearTimeout(timer);
  }
}

/** `$TMPDIR/tenantry-bench-<run>/`: where the children's logs of a run go (kept after the run for diagnosis). */
export function childLogDir(runId: string): string {
  return path.join(os.tmpdir(), `tenantry-bench-${runId}`);
}

/** The bench's environment without anything that would change how a child runs (OTEL_*, NODE_OPTIONS, service settings). */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OTEL_|NODE_OPTIONS$|ENABLE_|RATE_LIMIT_|METERING_|GATEWAY_|RESPONSE_CACHE_|UPSTREAM_|LOG_LEVEL$|TENANTRY_MODE$)/.test(name))
      continue;
    if (/_(PORT|URL)$/.test(name) && name !== 'REDIS_URL') continue;
    env[name] = value;
  }
  return env;
}
