import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { eventually } from '@tenantry/testing';

const ROOT = path.resolve(__dirname, '../../../..');
const ADMIN_KEY = 'tracing-admin-key-0123456789abcdefghijklmnop';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface LogLine {
  service?: string;
  msg?: string;
  trace_id?: string;
  route?: string;
  status?: number;
}

interface Launch {
  /** The node arguments that start the all-in-one process, after whatever `prepare` did. */
  args: () => string[];
  prepare?: () => void;
  cleanup?: () => void;
}

/** Where the production build of this run goes (inside the checkout: the bundles load their packages from node_modules). */
const BUILD_DIR = path.join('tmp', `build-e2e-${process.pid}`);

const LAUNCHES: Array<[string, Launch]> = [
  [
    'npm start',
    { args: () => ['--import', 'tsx', '--import', './libs/platform/telemetry/src/register.ts', 'apps/all-in-one/src/main.ts'] },
  ],
  [
    'the production build (npm run build; npm run start:dist)',
    {
      prepare: () => {
        execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', BUILD_DIR], { cwd: ROOT, stdio: 'pipe' });
      },
      args: () => ['--import', `./${BUILD_DIR}/register.cjs`, `${BUILD_DIR}/apps/all-in-one/main.cjs`],
      cleanup: () => rmSync(path.join(ROOT, BUILD_DIR), { recursive: true, force: true }),
    },
  ],
];

/**
 * The all-in-one as a real process — run by `npm start` (tsx) and as built for production (plain
 * JavaScript bundles, no TypeScript loader) — with the OpenTelemetry SDK loaded by `--import` as in
 * production (Jest cannot patch `http` in-process): a request's trace continues from the client, through
 * the gateway's server span, into the service it proxies to.
 */
describe.each(LAUNCHES)('tracing through the gateway (%s, embedded mode)', (_label, launch) => {
  let child: ChildProcess;
  const lines: LogLine[] = [];
  let gatewayPort: number;

  beforeAll(async () => {
    launch.prepare?.();
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    gatewayPort = ports[0] ?? 0;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(ports[0]),
      TENANTS_PORT: String(ports[1]),
      BILLING_PORT: String(ports[2]),
      OBSERVABILITY_PORT: String(ports[3]),
      AI_ASSISTANT_PORT: String(ports[4]),
    };
    child = spawn(process.execPath, launch.args(), {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/health`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the all-in-one process to answer on the gateway port',
    });
  }, 40_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    launch.cleanup?.();
  });

  it('when a client sends a traceparent, then the gateway and the service it calls log the same trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/api/v1/tenants?limit=1`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(response.status).toBeLessThan(500);

    const traced = await eventually(
      () => {
        const services = new Set(
          lines.filter((line) => line.trace_id === traceId && line.msg === 'request completed').map((line) => line.service),
        );
        return services.has('gateway') && services.has('tenants') ? services : false;
      },
      { timeoutMs: 5_000, description: 'request log lines of gateway and tenants carrying the trace id' },
    );
    expect([...traced].sort()).toEqual(['gateway', 'tenants']);
  });

  it('when no credential is sent, then no secret appears in any log line', async () => {
    await fetch(`http://127.0.0.1:${gatewayPort}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    await fetch(`http://127.0.0.1:${gatewayPort}/api/v1/tenants`, {
      headers: { authorization: 'Bearer tnt_aaaaaaaaaaaaaaaa_' + 'b'.repeat(43) },
    });
    await eventually(() => lines.filter((line) => line.service === 'gateway' && line.msg === 'request completed').length >= 3);
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(ADMIN_KEY);
    expect(everything).not.toContain('b'.repeat(43));
  });

  it('when a browser opens /docs, then the API reference page and its renderer (from the npm package) are served', async () => {
    const page = await fetch(`http://127.0.0.1:${gatewayPort}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Tenantry API reference</title>');
    const renderer = await fetch(`http://127.0.0.1:${gatewayPort}/docs/scalar.js`);
    expect(renderer.status).toBe(200);
    expect(renderer.headers.get('content-type')).toContain('javascript');
    expect((await renderer.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
