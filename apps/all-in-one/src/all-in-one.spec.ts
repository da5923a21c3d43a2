import { runServices, type RunningServices } from '@tenantry/runtime';
import { allServices } from './services';
import { startupLine } from './startup-line';

const SERVICES = ['gateway', 'tenants', 'billing', 'observability', 'ai-assistant'] as const;

describe('all-in-one process (embedded mode)', () => {
  let running: RunningServices;
  const notices: string[] = [];
  let exitCode: number | undefined;

  beforeAll(async () => {
    running = await runServices(allServices, {
      processName: 'all-in-one',
      env: { TENANTRY_MODE: 'embedded', LOG_LEVEL: 'silent', GATEWAY_ADMIN_PORT: '0' },
      ports: Object.fromEntries(SERVICES.map((name) => [name, 0])),
      host: '127.0.0.1',
      exit: (code) => {
        exitCode = code;
      },
      notice: (text) => notices.push(text),
    });
  });

  const urlOf = (name: (typeof SERVICES)[number]) => {
    const server = running.servers.get(name);
    if (!server) throw new Error(`${name} is not running`);
    return server.url;
  };

  it('when started without configuration, then it uses the in-memory adapters and shows the generated admin key once', () => {
    expect(running.platform.config.infra.mode).toBe('embedded');
    expect(running.platform.persistence.kind).toBe('in-memory');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(running.platform.config.adminApiKey.value);
  });

  it('when every service has started, then one line says where the gateway, its API reference and the admin key are', () => {
    const line = startupLine(running);
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toContain(`gateway ${urlOf('gateway')}`);
    expect(line).toContain(`API reference ${urlOf('gateway')}/docs`);
    expect(line).toContain('admin key: the generated one printed above');
    expect(line).not.toContain(running.platform.config.adminApiKey.value);
  });

  it.each(SERVICES)('when %s is probed, then it is alive and ready on its own port', async (name) => {
    const health = await fetch(`${urlOf(name)}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: name });
    const ready = await fetch(`${urlOf(name)}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      checks: { 'event-bus': { status: 'up' }, storage: { status: 'up' }, cache: { status: 'up' } },
    });
  });

  it("when the observability API is called without the gateway's signature, then it answers a 401 problem", async () => {
    const response = await fetch(`${urlOf('observability')}/api/v1/observability/dashboard`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('when the billing catalog is asked for, then billing answers it in embedded mode', async () => {
    const response = await fetch(`${urlOf('billing')}/api/v1/monetization/plans`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { items: Array<{ id: string }> }).items.map((plan) => plan.id)).toEqual([
      'basic',
      'pro',
      'enterprise',
    ]);
  });

  it('when /metrics is scraped, then it serves Prometheus text with the request counter', async () => {
    await fetch(`${urlOf('tenants')}/health`);
    const response = await fetch(`${urlOf('tenants')}/metrics`);
    expect(await response.text()).toContain('tenantry_http_server_requests_total');
  });

  it("when the gateway's metrics are scraped, then the operator listener serves them and the public door does not", async () => {
    const operator = running.operatorServers.get('gateway');
    expect((await fetch(`${urlOf('gateway')}/metrics`)).status).toBe(404);
    const response = await fetch(`${operator?.url ?? ''}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('tenantry_http_server_requests_total');
  });

  it('when /health is asked at the public door, then it only says the gateway answers; its state is on the operator listener, in snake_case', async () => {
    const publicHealth = await fetch(`${urlOf('gateway')}/health`);
    expect(publicHealth.status).toBe(200);
    expect(await publicHealth.json()).toEqual({ status: 'ok', service: 'gateway' });

    const operator = running.operatorServers.get('gateway');
    const state = await fetch(`${operator?.url ?? ''}/health`);
    expect(state.status).toBe(200);
    expect(state.headers.get('cache-control')).toBe('no-store');
    const body = (await state.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ok',
      service: 'gateway',
      degraded: [],
      rate_limiter: { backend: 'per-process', degraded: false },
      response_cache: { enabled: expect.any(Boolean) },
      plans_in_force: { tenants: expect.any(Number), applied: expect.any(Number), ignored_as_older: expect.any(Number) },
      upstream_connections: expect.any(Number),
    });
    expect((await fetch(`${operator?.url ?? ''}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('when shut down, then every port is released and the process would exit 0', async () => {
    const urls = [...SERVICES.map(urlOf), running.operatorServers.get('gateway')?.url ?? ''];
    await running.shutdown();
    expect(exitCode).toBe(0);
    for (const url of urls) await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('all-in-one process without a host override (as `npm start` runs it)', () => {
  let running: RunningServices | undefined;
  afterAll(() => running?.shutdown());

  it('when started, then the four services listen on loopback only, the gateway on HOST, and its operator listener on loopback', async () => {
    running = await runServices(allServices, {
      processName: 'all-in-one',
      env: { TENANTRY_MODE: 'embedded', LOG_LEVEL: 'silent', GATEWAY_ADMIN_PORT: '0', HOST: '0.0.0.0' },
      ports: Object.fromEntries(SERVICES.map((name) => [name, 0])),
      exit: () => undefined,
      notice: () => undefined,
    });
    const addressOf = (server: { server: { address(): unknown } } | undefined) =>
      (server?.server.address() as { address?: string } | null)?.address;
    const bound = Object.fromEntries(SERVICES.map((name) => [name, addressOf(running?.servers.get(name))]));
    expect(bound).toEqual({
      gateway: '0.0.0.0',
      tenants: '127.0.0.1',
      billing: '127.0.0.1',
      observability: '127.0.0.1',
      'ai-assistant': '127.0.0.1',
    });
    expect(addressOf(running.operatorServers.get('gateway'))).toBe('127.0.0.1');
  });
});
