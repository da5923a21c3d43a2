import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, startObservabilityHarness, TestClock, type ObservabilityHarness } from '../test-support/observability-harness';

describe('live health from active probes (embedded, test clock)', () => {
  let ready = true;
  let upstream: Server;
  let first: ObservabilityHarness;
  let second: ObservabilityHarness;
  const clock = new TestClock(new Date('2026-11-10T12:00:00Z'));

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      res.statusCode = req.url === '/ready' && ready ? 200 : 503;
      res.end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // Billing points at a port nothing listens on: refused is down.
    const urlOf = (service: string) => (service === 'billing' ? 'http://127.0.0.1:1' : url);
    first = await startObservabilityHarness({ clock, urlOf });
    second = await startObservabilityHarness({ clock, urlOf, platform: first.platform });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('when two replicas probe the same slots, then each slot counts once: status, since, failures and uptime are as one probe per slot', async () => {
    await first.probe(); // 12:00:00, up
    clock.advance(10_000);
    ready = false;
    await Promise.all([first.probe(), second.probe()]); // 12:00:10, down, probed by both
    clock.advance(1_000);

    const reply = await second.call(ADMIN, 'GET', '/api/v1/observability/health/api-gateway');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      service: 'gateway',
      status: 'down',
      since: '2026-11-10T12:00:10.000Z',
      last_probe_at: '2026-11-10T12:00:10.000Z',
      consecutive_failures: 1,
      uptime: { '1h': 0.5, '24h': 0.5, '30d': 0.5 },
    });
    const all = await first.call(ADMIN, 'GET', '/api/v1/observability/health');
    const billing = all.body.services.find((service: { service: string }) => service.service === 'billing');
    expect(billing).toMatchObject({ status: 'down', consecutive_failures: 2, uptime: { '1h': 0 } });
    expect((await first.call(ADMIN, 'GET', '/api/v1/observability/health/nope')).status).toBe(404);
  });
});
