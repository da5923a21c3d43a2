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
      env: { TENANTRY_MODE: 'embedded', LOG_LEVEL: 'silent' },
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
    expect(await ready.json()).toMatchObject({ checks: { 'event-bus': { status: 'up' }, storage: { status: 'up' }, cache: { status: 'up' } } });
  });

  it('when a service that is not built yet is called, then it answers a 501 problem naming the capability', async () => {
    const response = await fetch(`${urlOf('observability')}/api/v1/observability/dashboard`);
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 501, capability: 'Metrics, health, SLOs and SLA reports' });
  });

  it('when the billing catalog is asked for, then billing answers it in embedded mode', async () => {
    const response = await fetch(`${urlOf('billing')}/api/v1/monetization/plans`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { items: Array<{ id: string }> }).items.map((plan) => plan.id)).toEqual(['basic', 'pro', 'enterprise']);
  });

  it('when /metrics is scraped, then it serves Prometheus text with the request counter', async () => {
    await fetch(`${urlOf('tenants')}/health`);
    const response = await fetch(`${urlOf('tenants')}/metrics`);
    expect(await response.text()).toContain('tenantry_http_server_requests_total');
  });

  it('when shut down, then every port is released and the process would exit 0', async () => {
    const urls = SERVICES.map(urlOf);
    await running.shutdown();
    expect(exitCode).toBe(0);
    for (const url of urls) await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
