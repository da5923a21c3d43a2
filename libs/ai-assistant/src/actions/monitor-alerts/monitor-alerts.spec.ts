import { runAction } from '../../test-support/run-action';
import { alertFired, alertResolved, type AlertSpec } from '../../test-support/alert-events';
import { monitorAlerts } from './monitor-alerts';

const NOW = '2026-11-30T12:00:00.000Z';
const at = (time: string) => `2026-11-30T${time}:00.000Z`;

const availabilityPage: AlertSpec = {
  slo: 'tenant-availability',
  service: 'gateway',
  tenantId: 'ten_a',
  severity: 'page',
  longBurn: 20,
  shortBurn: 25,
  budgetRemaining: 0.4,
};
const availabilityTicket: AlertSpec = { ...availabilityPage, severity: 'ticket', longBurn: 8, shortBurn: 7 };
const latencyPage: AlertSpec = { slo: 'tenant-latency', service: 'gateway', tenantId: 'ten_a', severity: 'page' };
const otherTenant: AlertSpec = {
  slo: 'tenant-availability',
  service: 'gateway',
  tenantId: 'ten_b',
  severity: 'page',
  budgetRemaining: 0.9,
};
const billingLatency: AlertSpec = { slo: 'billing-latency', service: 'billing', tenantId: null, severity: 'page', budgetRemaining: -0.1 };

const HISTORY = [
  // ten_a's availability: the ticket fires at 10:30, the page at 11:00; both still firing at noon.
  alertFired(availabilityTicket, at('10:30')),
  alertFired(availabilityPage, at('11:00')),
  // ten_a's latency: fired and resolved three times this morning, and once two days ago (outside 24 h).
  alertFired(latencyPage, '2026-11-28T08:00:00.000Z'),
  alertResolved(latencyPage, '2026-11-28T08:00:00.000Z', '2026-11-28T08:30:00.000Z'),
  alertFired(latencyPage, at('08:00')),
  alertResolved(latencyPage, at('08:00'), at('08:10')),
  alertFired(latencyPage, at('09:00')),
  alertResolved(latencyPage, at('09:00'), at('09:05')),
  alertFired(latencyPage, at('10:00')),
  alertResolved(latencyPage, at('10:00'), at('10:02')),
  // Another tenant and a service-wide SLO (the admin's platform answer only).
  alertFired(otherTenant, at('11:40')),
  alertFired(billingLatency, at('11:50')),
];

type Report = Awaited<ReturnType<typeof run>>;
const run = (parameters: Record<string, unknown> = {}, requestedBy: 'tenant' | 'admin' = 'tenant') =>
  runAction(monitorAlerts, HISTORY, { tenantId: 'ten_a', now: NOW, parameters, requestedBy });

describe('monitor_alerts', () => {
  it('when two alerts of one SLO and service fire, then they form one group: page (its worst), since the earlier, the highest burn and lowest budget', async () => {
    const report = await run();
    // the page's burn: min(20, 25) = 20; the ticket's: min(8, 7) = 7 → 20. Since 10:30 → 90 min at noon.
    expect(report.groups).toEqual([
      expect.objectContaining({
        slo: 'tenant-availability',
        service: 'gateway',
        severity: 'page',
        firing_since: at('10:30'),
        firing_for_minutes: 90,
        alert_count: 2,
        tenants: ['ten_a'],
        burn_rate: 20,
        lowest_budget_remaining: 0.4,
      }),
    ]);
    expect(report.groups[0]?.alerts.map((a) => [a.severity, a.fired_at, a.firing_for_minutes, a.burn_rate])).toEqual([
      ['page', at('11:00'), 60, 20],
      ['ticket', at('10:30'), 90, 7],
    ]);
    expect(report.groups[0]?.alerts[0]?.windows).toEqual([
      { long_window: '1h', short_window: '5m', factor: 14.4, long_burn_rate: 20, short_burn_rate: 25, burn_rate: 20, over_factor: true },
    ]);
    expect(report.totals).toEqual({
      firing: 2,
      firing_page: 1,
      firing_ticket: 1,
      groups: 1,
      flapping: 1,
      escalations: 1,
      incidents_open: 0,
      incidents_escalated: 1,
      incidents_resolved: 3,
    });
  });

  it('when an alert fired and resolved three times in the lookback, then 6 transitions > 4 flag it as flapping (not at a threshold of 6)', async () => {
    const report = await run();
    expect(report.flapping).toEqual([
      expect.objectContaining({
        alert_id: 'tenant-latency:ten_a:page',
        fired_in_lookback: 3,
        resolved_in_lookback: 3,
        transitions: 6,
        threshold: 4,
        firing_now: false,
      }),
    ]);
    expect(report.flapping[0]?.suggestion).toContain('fired 3 and resolved 3 times in the last 24 h (6 transitions > 4)');
    expect((await run({ flapping_threshold: 6 })).flapping).toEqual([]);
    // A lookback of 72 h also counts the episode of 28 November: 8 transitions.
    expect((await run({ lookback_hours: 72 })).flapping[0]).toMatchObject({
      fired_in_lookback: 4,
      resolved_in_lookback: 4,
      transitions: 8,
    });
  });

  it('when a page alert fires longer than escalate_after_minutes, then it is escalated with its figures; a ticket never is', async () => {
    const report = await run();
    expect(report.escalations).toEqual([
      expect.objectContaining({
        alert_id: 'tenant-availability:ten_a:page',
        fired_at: at('11:00'),
        firing_for_minutes: 60,
        threshold_minutes: 30,
        burn_rate: 20,
        budget_remaining: 0.4,
      }),
    ]);
    expect(report.escalations[0]?.suggestion).toContain('has paged for 60 min (> 30), burning at 20× with 40 % of its error budget left');
    // 60 minutes is not more than 60; the ticket has fired for 90 minutes but does not page.
    expect((await run({ escalate_after_minutes: 60 })).escalations).toEqual([]);
    expect((await run({ escalate_after_minutes: 59 })).escalations.map((e) => e.alert_id)).toEqual(['tenant-availability:ten_a:page']);
  });

  it('when the admin asks for the platform, then every tenant and the service-wide SLOs are grouped, page groups by their start', async () => {
    const report = await run({ scope: 'platform' }, 'admin');
    expect(
      report.groups.map((g) => [g.slo, g.service, g.severity, g.firing_since, g.alert_count, g.tenants, g.lowest_budget_remaining]),
    ).toEqual([
      ['tenant-availability', 'gateway', 'page', at('10:30'), 3, ['ten_a', 'ten_b'], 0.4],
      ['billing-latency', 'billing', 'page', at('11:50'), 1, ['_platform'], -0.1],
    ]);
    // ten_b's page has fired for 20 minutes, billing's for 10: only ten_a's is past 30.
    expect(report.escalations.map((e) => e.alert_id)).toEqual(['tenant-availability:ten_a:page']);
    expect(report.inputs).toMatchObject({ scope: 'platform', alerts_known: 5, truncated: false });
  });

  it('when alerts of the gateway fire apart and together, then the report holds their incidents: escalated, and resolved in the lookback', async () => {
    const report = await run();
    // latency 08:00–08:10, 09:00–09:05, 10:00–10:02: each past the 5 min window of the one before, resolved: three
    // incidents (the 28 November one resolved before the 24 h lookback, left out). The ticket at 10:30 opens one that
    // the page at 11:00 joins (the ticket still fires); unresolved at 10:30 + 30 min, so escalated at 11:00.
    expect(
      report.incidents.map((i) => [i.status, i.opened_at, i.resolved_at, i.escalated_at, i.duration_minutes, i.alerts.length]),
    ).toEqual([
      ['escalated', at('10:30'), null, at('11:00'), 90, 2],
      ['resolved', at('10:00'), at('10:02'), null, 2, 1],
      ['resolved', at('09:00'), at('09:05'), null, 5, 1],
      ['resolved', at('08:00'), at('08:10'), null, 10, 1],
    ]);
    expect(report.incidents[0]).toMatchObject({
      tenant_id: 'ten_a',
      service: 'gateway',
      severity: 'page',
      title: 'tenant-availability on gateway (tenant ten_a)',
      escalate_at: at('11:00'),
    });
    expect(report.inputs).toMatchObject({ incident_window_minutes: 5, incident_escalate_after_minutes: 30 });
    // The admin's platform answer: ten_b's page (11:40) and billing's (11:50) are incidents of their own, not yet escalated.
    const platform = await run({ scope: 'platform' }, 'admin');
    expect(platform.incidents.filter((i) => i.status !== 'resolved').map((i) => [i.tenant_id, i.service, i.status, i.opened_at])).toEqual([
      [null, 'billing', 'open', at('11:50')],
      ['ten_b', 'gateway', 'open', at('11:40')],
      ['ten_a', 'gateway', 'escalated', at('10:30')],
    ]);
  });

  it('when a tenant asks for the platform, then the run is refused', async () => {
    await expect(run({ scope: 'platform' })).rejects.toThrow('platform admin only');
  });

  it('when another tenant and the services have alerts, then a tenant sees only its own', async () => {
    const report = (await runAction(monitorAlerts, HISTORY, { tenantId: 'ten_b', now: NOW })) as Report;
    expect(report.groups.map((g) => [g.slo, g.alert_count, g.tenants])).toEqual([['tenant-availability', 1, ['ten_b']]]);
    expect(report.inputs).toMatchObject({ scope: 'tenant', tenant_id: 'ten_b', alerts_known: 1 });
  });
});
