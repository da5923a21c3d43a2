import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsHandler, shutdownTelemetry } from '@tenantry/telemetry';
import type { SloStatus } from '../slos/slo-status';
import { exportSloGauges, sloGaugeSamples } from './slo-gauges';

const status = (slo: string, tenant: string | null, budget: number, rate5m: number, firing: ('page' | 'ticket')[]): SloStatus =>
  ({
    slo,
    service: 'gateway',
    tenant_id: tenant,
    budget: { remaining_fraction: budget },
    burn_rates: { '5m': rate5m },
    alerts_firing: firing,
  }) as unknown as SloStatus;

describe('SLO gauges', () => {
  it('when many tenants share a plan SLO, then the gauges carry no tenant label: the worst budget and burn rate and how many fire', () => {
    const samples = sloGaugeSamples([
      status('tenant-availability-pro', 'ten_1', 0.5, 2, []),
      status('tenant-availability-pro', 'ten_2', -1, 20, ['page']),
      status('gateway-availability', null, 0.9, 0.1, []),
    ]);
    expect(samples.budget_remaining).toEqual([
      { value: -1, labels: { slo: 'tenant-availability-pro', service: 'gateway' } },
      { value: 0.9, labels: { slo: 'gateway-availability', service: 'gateway' } },
    ]);
    expect(samples.burn_rate).toContainEqual({ value: 20, labels: { slo: 'tenant-availability-pro', service: 'gateway', window: '5m' } });
    expect(samples.alerts_firing).toContainEqual({
      value: 1,
      labels: { slo: 'tenant-availability-pro', service: 'gateway', severity: 'page' },
    });
    expect(JSON.stringify(samples)).not.toContain('ten_');
  });

  describe('on /metrics', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer(metricsHandler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      await shutdownTelemetry();
    });

    /** The value of the first sample whose line starts with `prefix` and has every label in `labels`. */
    const valueOf = (text: string, prefix: string, labels: string[] = []): number | undefined => {
      const line = text.split('\n').find((row) => row.startsWith(prefix) && labels.every((label) => row.includes(label)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };

    it('when evaluations complete, then a scrape counts them and shows the gauges of the last one', async () => {
      exportSloGauges([status('tenant-availability-pro', 'ten_1', -1, 20, ['page'])]);
      const first = await (await fetch(url)).text();
      expect(valueOf(first, 'tenantry_slo_evaluations_total')).toBe(1);
      expect(valueOf(first, 'tenantry_slo_alerts_firing{', ['slo="tenant-availability-pro"', 'severity="page"'])).toBe(1);

      exportSloGauges([status('tenant-availability-pro', 'ten_1', 0.5, 0.5, [])]);
      exportSloGauges([status('tenant-availability-pro', 'ten_1', 0.5, 0.5, [])]);
      const third = await (await fetch(url)).text();
      expect(valueOf(third, 'tenantry_slo_evaluations_total')).toBe(3);
      expect(valueOf(third, 'tenantry_slo_alerts_firing{', ['slo="tenant-availability-pro"', 'severity="page"'])).toBe(0);
      expect(valueOf(third, 'tenantry_slo_burn_rate{', ['slo="tenant-availability-pro"', 'window="5m"'])).toBe(0.5);
    });
  });
});
