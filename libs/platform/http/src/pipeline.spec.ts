import { request } from 'node:http';
import { setLogContext } from '@tenantry/telemetry';
import { z } from 'zod';
import { createHttpApp } from './app';
import { startHttpServer } from './server';
import { captureLogger, requestLines, serveApp, type ServedApp } from './test-support/harness';
import { route } from './validation';

describe('request pipeline: request id, request log, metrics, health', () => {
  let served: ServedApp;

  beforeAll(async () => {
    served = await serveApp(
      (app) => {
        app.post(
          '/api/v1/tenants/:tenantId/notes',
          route({ params: z.object({ tenantId: z.string() }), body: z.object({ text: z.string() }) }, ({ params }) => {
            // What authentication middleware does once it knows the tenant; after body parsing, on purpose.
            setLogContext({ tenantId: params.tenantId });
            return { ok: true };
          }),
        );
        app.get('/api/v1/plain/:id', (_req, res) => {
          res.json({ ok: true });
        });
      },
      { service: 'tenants', healthDetails: () => ({ cache: 'degraded' }) },
    );
  });
  afterAll(() => served.close());

  it('when no X-Request-Id is sent, then one is generated and echoed', async () => {
    const response = await fetch(`${served.url}/health`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a sane X-Request-Id is sent, then it is kept; when it is not, then it is replaced', async () => {
    const kept = await fetch(`${served.url}/health`, { headers: { 'x-request-id': 'gw-1:abc.DEF_9' } });
    expect(kept.headers.get('x-request-id')).toBe('gw-1:abc.DEF_9');
    const replaced = await fetch(`${served.url}/health`, { headers: { 'x-request-id': 'has spaces"and quotes' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a request completes, then one info line has method, route template, status, duration, request and tenant ids', async () => {
    const response = await fetch(`${served.url}/api/v1/tenants/ten_7/notes?verbose=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-log-1' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(response.status).toBe(200);
    const line = requestLines(served.logs).find((entry) => entry['request_id'] === 'req-log-1');
    expect(line).toMatchObject({
      level: 'info',
      service: 'tenants',
      method: 'POST',
      route: '/api/v1/tenants/:tenantId/notes',
      path: '/api/v1/tenants/ten_7/notes',
      status: 200,
      duration_ms: expect.any(Number),
      tenant_id: 'ten_7',
    });
  });

  it('when a request carries credentials, then neither its headers nor the key reach the logs', async () => {
    const key = 'tnt_live_7hG2kQ9zX4mN8pR3sT6v';
    await fetch(`${served.url}/api/v1/plain/1?api_key=${key}`, {
      headers: { authorization: `Bearer ${key}`, cookie: 'session=abcdef123456', 'x-request-id': 'req-secret' },
    });
    expect(requestLines(served.logs).some((line) => line['request_id'] === 'req-secret')).toBe(true);
    const everything = served.logs.raw.join('\n');
    expect(everything).not.toContain(key.slice(4));
    expect(everything).not.toContain('abcdef123456');
    expect(everything).not.toMatch(/authorization/i);
  });

  it('when requests were served, then /metrics counts them by route template, never by raw path', async () => {
    await fetch(`${served.url}/api/v1/plain/42`);
    await fetch(`${served.url}/api/v1/plain/43`);
    await fetch(`${served.url}/api/v1/missing/44`);
    const response = await fetch(`${served.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    expect(body).toMatch(
      /^tenantry_http_server_requests_total\{service="tenants",http_route="\/api\/v1\/plain\/:id",http_request_method="GET",http_response_status_class="2xx"[^}]*\} [3-9]$/m,
    );
    expect(body).toMatch(
      /^tenantry_http_server_requests_total\{service="tenants",http_route="unmatched",[^}]*http_response_status_class="4xx"/m,
    );
    expect(body).toContain('tenantry_http_server_request_duration_bucket{service="tenants",http_route="/api/v1/plain/:id"');
    expect(body).not.toContain('/api/v1/plain/42');
  });

  it('when /health is asked, then it answers 200 ok with the service name and extra details', async () => {
    const response = await fetch(`${served.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', service: 'tenants', cache: 'degraded' });
  });

  it('when probes are served, then their request lines are debug, not info', async () => {
    await fetch(`${served.url}/health`, { headers: { 'x-request-id': 'probe-1' } });
    expect(requestLines(served.logs).find((line) => line['request_id'] === 'probe-1')).toMatchObject({ level: 'debug' });
  });
});

describe('log context across body parsing', () => {
  it('when the body arrives in a later packet than the headers, then the request log context survives parsing', async () => {
    const { logger, logs } = captureLogger();
    const app = createHttpApp({
      service: 'tenants',
      logger,
      configure: (routes) =>
        routes.post('/notes', (_req, res) => {
          logger.info('handler ran');
          res.json({ ok: true });
        }),
    });
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger });
    try {
      const headersArrived = new Promise<void>((resolve) => server.server.once('request', () => resolve()));
      const status = new Promise<number | undefined>((resolve, reject) => {
        const outgoing = request(
          `${server.url}/notes`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'late-body' } },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        );
        outgoing.on('error', reject);
        outgoing.flushHeaders();
        void headersArrived.then(() => outgoing.end('{"text":"later"}'));
      });
      expect(await status).toBe(200);
      expect(logs.lines().find((line) => line['msg'] === 'handler ran')).toMatchObject({ request_id: 'late-body' });
    } finally {
      await server.close();
    }
  });
});
