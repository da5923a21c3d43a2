import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eventually } from '@tenantry/testing';

/**
 * register.ts loaded with `--import` before a tiny express service in a child process, exporting to an
 * OTLP receiver in this test: proves incoming context is continued by a server span, outgoing calls
 * carry it on, spans are exported as OTLP/protobuf with the express route, and /metrics serves the SDK's meter.
 */
const repoRoot = path.resolve(__dirname, '../../../..');
const fixture = path.join(__dirname, 'test-support/traced-server.fixture.ts');
const incomingTraceId = '0af7651916cd43dd8448eb211c80319c';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function recordingServer(received: Received[]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

describe('register.ts (OTel SDK loaded before the app)', () => {
  const exported: Received[] = [];
  const downstreamCalls: Received[] = [];
  const servers: Server[] = [];
  let child: ChildProcess;
  let stderr = '';
  let appUrl: string;

  beforeAll(async () => {
    const collector = await recordingServer(exported);
    const downstream = await recordingServer(downstreamCalls);
    servers.push(collector.server, downstream.server);
    child = spawn(process.execPath, ['--import', 'tsx', '--import', './libs/platform/telemetry/src/register.ts', fixture], {
      cwd: repoRoot,
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: 'register-fixture',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '20',
        DOWNSTREAM_URL: `${downstream.url}/downstream`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const { port } = await eventually(() => JSON.parse(stdout.split('\n')[0] ?? '') as { port: number }, {
      timeoutMs: 15_000,
      description: `the fixture to listen (stderr: ${stderr})`,
    });
    appUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('when a request arrives with a traceparent, then a recording server span continues that trace and the outgoing call carries it', async () => {
    const response = await fetch(`${appUrl}/hello/world`, {
      headers: { traceparent: `00-${incomingTraceId}-b7ad6b7169203331-01` },
    });
    expect(await response.json()).toEqual({ traceId: incomingTraceId, recording: true });
    expect(downstreamCalls).toHaveLength(1);
    expect(downstreamCalls[0]?.headers['traceparent']).toMatch(new RegExp(`^00-${incomingTraceId}-[0-9a-f]{16}-01$`));
  });

  it('when spans end, then they are exported over OTLP/protobuf with the service name and the express route', async () => {
    const batch = await eventually(() => exported.find((request) => request.body.includes(Buffer.from(incomingTraceId, 'hex'))) ?? false, {
      timeoutMs: 10_000,
      description: 'an exported batch with the trace',
    });
    expect(batch.url).toBe('/v1/traces');
    expect(batch.headers['content-type']).toBe('application/x-protobuf');
    expect(batch.body.includes('register-fixture')).toBe(true);
    expect(batch.body.includes('/hello/:name')).toBe(true);
  });

  it('when /metrics is scraped, then it serves the SDK meter: app counters and HTTP client metrics', async () => {
    const body = await (await fetch(`${appUrl}/metrics`)).text();
    expect(body).toMatch(/^fixture_greetings_total\{[^}]*\} 1$/m);
    expect(body).toContain('http_client_request_duration_count');
    expect(body).toContain('service_name="register-fixture"');
    // The instrumentation's own server histogram duplicates ours (which has the route template): not recorded.
    expect(body).not.toMatch(/^http_server_(request_)?duration/m);
    expect(stderr).toBe('');
  });
});

describe('register.ts with OTEL_SDK_DISABLED=true', () => {
  it('when the SDK is disabled, then /metrics still serves the application metrics', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './libs/platform/telemetry/src/register.ts', fixture], {
      cwd: repoRoot,
      env: { ...process.env, OTEL_SDK_DISABLED: 'true', DOWNSTREAM_URL: 'http://127.0.0.1:9/unused' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const { port } = await eventually(() => JSON.parse(stdout.split('\n')[0] ?? '') as { port: number }, {
        timeoutMs: 15_000,
        description: 'the fixture to listen',
      });
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# HELP');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
