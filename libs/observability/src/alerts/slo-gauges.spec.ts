import type { SloStatus } from '../slos/slo-status';
import { sloGaugeSamples } from './slo-gauges';

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
});
