import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordHttpServerRequest } from './http-metrics';
import { PrometheusLabels, PrometheusNames } from './metric-names';
import { getMeter, metricsHandler, PROMETHEUS_CONTENT_TYPE } from './metrics';
import { shutdownTelemetry } from './shutdown';

describe('metricsHandler (without register.ts)', () => {
  let server: Server;
  let metricsUrl: string;

  beforeAll(async () => {
    server = createServer(metricsHandler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await shutdownTelemetry();
  });

  it('when nothing was recorded yet, then it still answers with Prometheus text', async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await response.text()).toContain('target_info');
  });

  it('when a counter was recorded, then its total appears', async () => {
    getMeter('test').createCounter('test.widgets.made').add(3, { color: 'blue' });
    const body = await (await fetch(metricsUrl)).text();
    expect(body).toMatch(/^test_widgets_made_total\{color="blue"[^}]*\} 3$/m);
  });

  it('when HTTP requests are recorded, then count and latency buckets appear under the registered names and labels', async () => {
    const request = { service: 'tenants', route: '/api/v1/tenants/:tenantId', method: 'get', durationSeconds: 0.0004 };
    recordHttpServerRequest({ ...request, status: 200 });
    recordHttpServerRequest({ ...request, status: 204 });
    recordHttpServerRequest({ ...request, method: 'BREW', status: 404 });
    const body = await (await fetch(metricsUrl)).text();
    const labels = `${PrometheusLabels.service}="tenants",${PrometheusLabels.route}="/api/v1/tenants/:tenantId",${PrometheusLabels.method}="GET",${PrometheusLabels.statusClass}="2xx"`;
    expect(body).toContain(`${PrometheusNames.httpServerRequests}{${labels}`);
    expect(body).toMatch(new RegExp(`^${PrometheusNames.httpServerRequests}\\{${escape(labels)}[^}]*\\} 2$`, 'm'));
    expect(body).toMatch(new RegExp(`^${PrometheusNames.httpServerRequestDuration}_bucket\\{${escape(labels)}[^}]*le="0.0005"\\} 2$`, 'm'));
    expect(body).toContain(`${PrometheusLabels.method}="_OTHER",${PrometheusLabels.statusClass}="4xx"`);
  });
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
