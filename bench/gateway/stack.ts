import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from '../lib/context';
import { summarizeLines, type CapturedLine } from '../lib/log-capture';
import type { ScenarioResult } from '../lib/report';
import type { Scenario } from '../lib/scenario';
import { BenchChild, childLogDir, cleanEnv, freePort, ROOT, TELEMETRY } from './processes';

const execFileAsync = promisify(execFile);
import { createTenant, probe, tenantAuth, type BenchTenant } from './platform-api';
import { startPrivateInfra, type PrivateInfra } from './private-infra';

/**
 * The processes the gateway scenarios share, started on first use and stopped when the run ends:
 * - `tenants`: apps/tenants alone (the upstream of every measured route), and `billing` (apps/billing),
 *   whose metering the tenants service's `/usage` reads;
 * - `gateway`: apps/gateway alone, the full pipeline as deployed (the production bundles of
 *   scripts/build.mjs, run by node, built once per checkout at the start of the run): API-key auth, tenant status, the
 *   Redis rate limiter (engaged: enterprise limits overridden to huge finite numbers, see below), the
 *   Redis response cache, the keep-alive proxy and usage metering to Kafka;
 * - more gateways, baseline servers and the OTLP sink, as scenarios ask for them.
 * All on a Kafka, FerretDB and Redis of their own (see private-infra.ts), each with its own event loop;
 * the load generator runs in the bench process.
 */

/** Enterprise is "unlimited", which skips the limiter: finite huge limits make every request pay for it. */
export const HUGE_ENTERPRISE_LIMITS = JSON.stringify({
  enterprise: { requestsPerMinute: 1_000_000_000, apiCallsPerDay: 1_000_000_000_000 },
});

/** Every gateway of the bench flushes usage every second (default 5 s) so G6 converges quickly; the cost per flush is one Kafka publish per active tenant. */
const METERING_FLUSH_INTERVAL = '1s';

export interface ServiceProcess {
  name: string;
  url: string;
  child: BenchChild;
  /** A gateway's operator listener (`/metrics`), which is not on its public port. */
  operatorUrl?: string;
}

export interface GatewayVariant {
  /** Extra environment (ENABLE_RATE_LIMIT=false, OTEL_*, …) on top of the main gateway's. */
  env?: NodeJS.ProcessEnv;
  /** Modules loaded with --import before the telemetry register (e.g. the metrics-off hook). */
  preload?: readonly string[];
  /** Node flags (e.g. `--cpu-prof`, `--trace-gc` when investigating). */
  nodeArgs?: readonly string[];
  /** Run the gateway from another checkout (a worktree with node_modules): its code on this stack. */
  root?: string;
  /** Run the TypeScript sources under tsx instead of the production bundle (CPU profiles then name our source files). */
  sources?: boolean;
}

export class GatewayStack {
  private static readonly stacks = new WeakMap<BenchContext, Promise<GatewayStack>>();
  readonly adminKey = randomBytes(32).toString('base64url');
  readonly internalSecret = randomBytes(32).toString('base64url');
  readonly logDir: string;
  infra!: PrivateInfra;
  private readonly children: BenchChild[] = [];
  private readonly extras = new Map<string, Promise<ServiceProcess>>();
  /** Per checkout: where its production build for this run is (relative to it), or undefined when it has no build script. */
  private readonly builds = new Map<string, Promise<string | undefined>>();
  /** Max rates measured by G1/G2 (requests/s), reused by G3 for "half of max load". */
  readonly maxRates = new Map<'gateway cached' | 'gateway proxied' | 'express' | 'direct', number>();
  tenants!: ServiceProcess;
  billing!: ServiceProcess;
  gateway!: ServiceProcess;
  /** An enterprise tenant (limits overridden, see HUGE_ENTERPRISE_LIMITS) for the throughput scenarios. */
  tenant!: BenchTenant;

  private constructor(private readonly ctx: BenchContext) {
    this.logDir = childLogDir(ctx.runId);
  }

  /** The run's stack, started on the first call. */
  static of(ctx: BenchContext): Promise<GatewayStack> {
    let stack = GatewayStack.stacks.get(ctx);
    if (!stack) {
      const created = new GatewayStack(ctx);
      ctx.atEnd(() => created.stop());
      stack = created.start().then(() => created);
      GatewayStack.stacks.set(ctx, stack);
    }
    return stack;
  }

  private async start(): Promise<void> {
    this.infra = await startPrivateInfra(path.join(this.logDir, 'infra'));
    const [tenantsPort, billingPort] = [await freePort(), await freePort()];
    // Billing meters the gateway's usage events; the tenants service's /usage (G6's counter) reads them from it.
    this.billing = await this.spawnService('billing', 'apps/billing/src/main.ts', billingPort, { BILLING_PORT: String(billingPort) });
    this.tenants = await this.spawnService('tenants', 'apps/tenants/src/main.ts', tenantsPort, {
      TENANTS_PORT: String(tenantsPort),
      BILLING_URL: this.billing.url,
    });
    this.gateway = await this.startGateway('gateway', {});
    this.tenant = await createTenant(this.gateway.url, this.adminKey, `bench-${this.ctx.runId}`, 'enterprise');
  }

  private baseEnv(): NodeJS.ProcessEnv {
    return {
      ...cleanEnv(),
      KAFKA_BROKERS: this.infra.kafkaBrokers,
      MONGODB_URI: this.infra.mongodbUri,
      REDIS_URL: this.infra.redisUrl,
      ADMIN_API_KEY: this.adminKey,
      INTERNAL_SECRET: this.internalSecret,
      LOG_LEVEL: 'warn',
    };
  }

  /**
   * The production build of a checkout for this run (`node scripts/build.mjs --outdir tmp/bench-build-<run>`),
   * made once and removed when the run ends; undefined for a checkout without the build script (an older
   * commit given to cpu-per-hit's `--root`), whose apps then run under tsx.
   */
  private buildOf(root: string): Promise<string | undefined> {
    let built = this.builds.get(root);
    if (!built) {
      built = (async () => {
        if (!existsSync(path.join(root, 'scripts/build.mjs'))) return undefined;
        const outdir = path.join('tmp', `bench-build-${this.ctx.runId}`);
        await execFileAsync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], { cwd: root });
        this.ctx.atEnd(() => rm(path.join(root, outdir), { recursive: true, force: true }));
        return outdir;
      })();
      this.builds.set(root, built);
    }
    return built;
  }

  /** Runs `apps/<app>/src/main.ts` as deployed: its bundle with node, else (no build script in that checkout) the source with tsx. */
  private async spawnService(
    name: string,
    script: string,
    port: number,
    env: NodeJS.ProcessEnv,
    preload: readonly string[] = [],
    nodeArgs: readonly string[] = [],
    root?: string,
    sources = false,
  ): Promise<ServiceProcess> {
    const app = /^apps\/([^/]+)\/src\/main\.ts$/.exec(script)?.[1];
    const build = app === undefined || sources ? undefined : await this.buildOf(root ?? ROOT);
    const child = await BenchChild.start({
      name,
      script: build === undefined ? script : `${build}/apps/${app}/main.cjs`,
      plainNode: build !== undefined,
      ...(root !== undefined ? { root } : {}),
      nodeArgs,
      imports: [...preload, build === undefined ? TELEMETRY : `./${build}/register.cjs`],
      env: { ...this.baseEnv(), ...env },
      readyUrl: `http://127.0.0.1:${port}/ready`,
      logDir: this.logDir,
    });
    this.children.push(child);
    return { name, url: `http://127.0.0.1:${port}`, child };
  }

  /** Another gateway process (same configuration as the main one plus `variant`), started once per name. */
  startGateway(name: string, variant: GatewayVariant): Promise<ServiceProcess> {
    let started = this.extras.get(name);
    if (!started) {
      started = (async () => {
        const [port, operatorPort] = [await freePort(), await freePort()];
        const started = await this.spawnService(
          name,
          'apps/gateway/src/main.ts',
          port,
          {
            GATEWAY_PORT: String(port),
            GATEWAY_ADMIN_PORT: String(operatorPort),
            TENANTS_URL: this.tenants.url,
            BILLING_URL: this.billing.url,
            RATE_LIMIT_OVERRIDES: HUGE_ENTERPRISE_LIMITS,
            METERING_FLUSH_INTERVAL,
            ...variant.env,
          },
          variant.preload,
          variant.nodeArgs,
          variant.root,
          variant.sources,
        );
        return { ...started, operatorUrl: `http://127.0.0.1:${operatorPort}` };
      })();
      this.extras.set(name, started);
    }
    return started;
  }

  /** A child running a bench server script (baseline server, OTLP sink) on a free port, started once per name. */
  startBenchServer(name: string, script: string, args: (port: number) => string[]): Promise<ServiceProcess> {
    let started = this.extras.get(name);
    if (!started) {
      started = (async () => {
        const port = await freePort();
        const child = await BenchChild.start({
          name,
          script,
          args: args(port),
          env: cleanEnv(),
          readyUrl: `http://127.0.0.1:${port}/ready`,
          logDir: this.logDir,
        });
        this.children.push(child);
        return { name, url: `http://127.0.0.1:${port}`, child };
      })();
      this.extras.set(name, started);
    }
    return started;
  }

  /**
   * The express or node:http baseline of G1/G3: serves exactly what the gateway answers for a cached
   * GET of `urlPath` (status, headers, body), captured once.
   */
  async startBaseline(kind: 'express' | 'node-http', urlPath: string): Promise<ServiceProcess> {
    const file = path.join(this.logDir, 'cached-response.json');
    if (!this.extras.has('express') && !this.extras.has('node-http')) {
      const response = await probe(`${this.gateway.url}${urlPath}`, tenantAuth(this.tenant));
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
      });
      await writeFile(file, JSON.stringify({ status: response.status, headers, bodyBase64: response.body.toString('base64') }));
    }
    return this.startBenchServer(kind, 'bench/gateway/servers/baseline-server.ts', (port) => [kind, String(port), file]);
  }

  /**
   * Runs a scenario's body and notes what the services logged at warn or above meanwhile (Redis or
   * Kafka trouble shows up there before it shows up in the figures), even when the body fails.
   */
  async watchingLogs(result: ScenarioResult, body: () => Promise<void>): Promise<void> {
    const marks = new Map(this.children.map((child) => [child, child.logMark()]));
    try {
      await body();
    } finally {
      const lines = this.children.flatMap((child) => {
        const since = child.linesSince(marks.get(child) ?? 0);
        return since.flatMap((line): CapturedLine[] => {
          try {
            const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
            return parsed.level === 'warn' || parsed.level === 'error' || parsed.level === 'fatal'
              ? [{ level: `${child.name} ${String(parsed.level)}`, msg: String(parsed.msg) }]
              : [];
          } catch {
            // Not JSON: the runtime's own warnings (e.g. kafkajs's TimeoutNegativeWarning), not the services'.
            return [];
          }
        });
      });
      const summary = summarizeLines(lines, 'service log line(s)');
      if (summary) result.notes.push(summary);
    }
  }

  /** The private infra's servers (name → pid), for CPU accounting. */
  get serverPids(): Record<string, number> {
    return this.infra?.pids ?? {};
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.extras.values()]);
    await Promise.all(this.children.splice(0).map((child) => child.stop()));
    await this.infra?.stop();
  }
}

/**
 * A gateway scenario: runs on the run's GatewayStack (started by the first one), and reports what the
 * services logged at warn or above while it ran.
 */
export function gatewayScenario(definition: {
  id: string;
  title: string;
  measure(stack: GatewayStack, result: ScenarioResult): Promise<void>;
}): Scenario {
  return {
    id: definition.id,
    title: definition.title,
    ownInfra: true,
    async run(ctx, result) {
      const stack = await GatewayStack.of(ctx);
      await stack.watchingLogs(result, () => definition.measure(stack, result));
    },
  };
}
