import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getMeter, metricsHandler } from './metrics';
import { PreBoundCounter } from './pre-bound-counter';
import { shutdownTelemetry } from './shutdown';

describe('PreBoundCounter', () => {
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

  it('when slots are added to, then /metrics shows one counter series per attribute set, summed over every holder of the name', async () => {
    const meter = getMeter('pre-bound-test');
    const first = PreBoundCounter.of(meter, 'test.prebound.hits', { description: 'hits' });
    const second = PreBoundCounter.of(meter, 'test.prebound.hits');
    first.bind('HIT', () => ({ outcome: 'HIT' })).add(2);
    second.bind('HIT', () => ({ outcome: 'HIT' })).add(3);
    first.bind('MISS', () => ({ outcome: 'MISS' })).add(1);
    first.bind('STALE', () => ({ outcome: 'STALE' })); // bound, never added to: no series

    const body = await (await fetch(metricsUrl)).text();
    expect(body).toMatch(/^# TYPE test_prebound_hits_total counter$/m);
    expect(body).toMatch(/^test_prebound_hits_total\{outcome="HIT"[^}]*\} 5$/m);
    expect(body).toMatch(/^test_prebound_hits_total\{outcome="MISS"[^}]*\} 1$/m);
    expect(body).not.toContain('outcome="STALE"');
  });
});
