import { createInMemoryPersistence } from '@tenantry/persistence';
import { applyEvent, type ReadModelEvent } from '../read-models/follow-events';
import { DataVersionTracker, ReadModels } from '../read-models/read-models';
import { alertFired, alertResolved, type AlertSpec } from '../test-support/alert-events';
import { DEFAULT_INCIDENT_POLICY, fingerprintOf, incidentIdOf, type Incident, type IncidentPolicy } from './correlate';

const at = (time: string) => `2026-11-30T${time}:00.000Z`;

const availability: AlertSpec = { slo: 'tenant-availability', service: 'gateway', tenantId: 'ten_a', severity: 'page' };
const availabilityTicket: AlertSpec = { ...availability, severity: 'ticket' };
const latency: AlertSpec = { slo: 'tenant-latency', service: 'gateway', tenantId: 'ten_a', severity: 'page' };
const billingLatency: AlertSpec = { slo: 'billing-latency', service: 'billing', tenantId: null, severity: 'page' };
const gatewayLatency: AlertSpec = { slo: 'gateway-latency', service: 'gateway', tenantId: null, severity: 'ticket' };

/** The owner's incidents after `events`, derived at `now` under `policy` (default: 5 min window, escalation after 30 min). */
async function incidentsAfter(events: ReadModelEvent[], owner: string, now: string, policy?: IncidentPolicy): Promise<Incident[]> {
  const models = await ReadModels.open(createInMemoryPersistence(), policy ? { incidentPolicy: policy } : {});
  for (const event of events) await applyEvent(models, event);
  return models.incidentsOf(owner, new Date(now), new DataVersionTracker());
}

/** status, opened, resolved, escalated (hh:mm), minutes, and each alert as `slo:severity ×episodes firing|resolved`. */
const row = (i: Incident) => [
  i.service,
  i.status,
  i.opened_at.slice(11, 16),
  i.resolved_at?.slice(11, 16) ?? null,
  i.escalated_at?.slice(11, 16) ?? null,
  i.duration_minutes,
  i.alerts.map((a) => `${a.slo}:${a.severity} ×${a.episodes} ${a.firing ? 'firing' : 'resolved'}`),
];

interface Case {
  when: string;
  events: ReadModelEvent[];
  now: string;
  owner?: string;
  policy?: IncidentPolicy;
  /** Newest first, worked out by hand. */
  then: ReturnType<typeof row>[];
}

const CASES: Case[] = [
  {
    when: 'one alert fires at 10:00 and it is 10:10',
    events: [alertFired(availability, at('10:00'))],
    now: at('10:10'),
    then: [['gateway', 'open', '10:00', null, null, 10, ['tenant-availability:page ×1 firing']]],
  },
  {
    when: 'it still fires at 10:30, 30 min after it opened',
    events: [alertFired(availability, at('10:00'))],
    now: at('10:30'),
    then: [['gateway', 'escalated', '10:00', null, '10:30', 30, ['tenant-availability:page ×1 firing']]],
  },
  {
    when: 'it resolves at 10:20, before the escalation',
    events: [alertFired(availability, at('10:00')), alertResolved(availability, at('10:00'), at('10:20'))],
    now: at('11:00'),
    then: [['gateway', 'resolved', '10:00', '10:20', null, 20, ['tenant-availability:page ×1 resolved']]],
  },
  {
    when: 'it resolves at 10:40, after the escalation at 10:30 (which stays on record)',
    events: [alertFired(availability, at('10:00')), alertResolved(availability, at('10:00'), at('10:40'))],
    now: at('11:00'),
    then: [['gateway', 'resolved', '10:00', '10:40', '10:30', 40, ['tenant-availability:page ×1 resolved']]],
  },
  {
    when: 'a second alert of the service fires at 10:04, within 5 min of the opening, after the first resolved at 10:02',
    events: [
      alertFired(availability, at('10:00')),
      alertResolved(availability, at('10:00'), at('10:02')),
      alertFired(latency, at('10:04')),
      alertResolved(latency, at('10:04'), at('10:10')),
    ],
    now: at('11:00'),
    then: [
      ['gateway', 'resolved', '10:00', '10:10', null, 10, ['tenant-availability:page ×1 resolved', 'tenant-latency:page ×1 resolved']],
    ],
  },
  {
    when: 'the second fires at 10:06, past the window (10:05) and the resolution (10:02)',
    events: [
      alertFired(availability, at('10:00')),
      alertResolved(availability, at('10:00'), at('10:02')),
      alertFired(latency, at('10:06')),
    ],
    now: at('10:16'),
    then: [
      ['gateway', 'open', '10:06', null, null, 10, ['tenant-latency:page ×1 firing']],
      ['gateway', 'resolved', '10:00', '10:02', null, 2, ['tenant-availability:page ×1 resolved']],
    ],
  },
  {
    when: 'the second fires at 10:20, past the window but while the first still fires',
    events: [alertFired(availability, at('10:00')), alertFired(latency, at('10:20'))],
    now: at('10:25'),
    then: [['gateway', 'open', '10:00', null, null, 25, ['tenant-availability:page ×1 firing', 'tenant-latency:page ×1 firing']]],
  },
  {
    when: 'the same alert fires twice (one event redelivered) and again at 10:03 within the window',
    events: [
      alertFired(availability, at('10:00')),
      alertFired(availability, at('10:00')),
      alertResolved(availability, at('10:00'), at('10:01')),
      alertFired(availability, at('10:03')),
    ],
    now: at('10:13'),
    then: [['gateway', 'open', '10:00', null, null, 13, ['tenant-availability:page ×2 firing']]],
  },
  {
    when: 'a ticket opens at 10:00 and the page of the same SLO follows at 10:01',
    events: [alertFired(availabilityTicket, at('10:00')), alertFired(availability, at('10:01'))],
    now: at('10:05'),
    then: [['gateway', 'open', '10:00', null, null, 5, ['tenant-availability:ticket ×1 firing', 'tenant-availability:page ×1 firing']]],
  },
  {
    when: 'two service-wide SLOs of different services fire a minute apart',
    owner: '_platform',
    events: [alertFired(billingLatency, at('10:00')), alertFired(gatewayLatency, at('10:01'))],
    now: at('10:11'),
    then: [
      ['gateway', 'open', '10:01', null, null, 10, ['gateway-latency:ticket ×1 firing']],
      ['billing', 'open', '10:00', null, null, 11, ['billing-latency:page ×1 firing']],
    ],
  },
  {
    when: 'the window is 0 and escalation comes after 10 min: 10:03 is a new incident, escalated at 10:13',
    policy: { correlationWindowMs: 0, escalateAfterMs: 10 * 60_000 },
    events: [
      alertFired(availability, at('10:00')),
      alertResolved(availability, at('10:00'), at('10:02')),
      alertFired(latency, at('10:03')),
    ],
    now: at('10:15'),
    then: [
      ['gateway', 'escalated', '10:03', null, '10:13', 12, ['tenant-latency:page ×1 firing']],
      ['gateway', 'resolved', '10:00', '10:02', null, 2, ['tenant-availability:page ×1 resolved']],
    ],
  },
];

describe('incidents from alerts', () => {
  it.each(CASES)('when $when, then the incidents are as worked out', async ({ events, now, owner, policy, then }) => {
    expect((await incidentsAfter(events, owner ?? 'ten_a', now, policy)).map(row)).toEqual(then);
  });

  it('when another tenant has alerts, then they are not in this tenant’s incidents', async () => {
    const other: AlertSpec = { ...availability, tenantId: 'ten_b' };
    const events = [alertFired(availability, at('10:00')), alertFired(other, at('10:01'))];
    expect((await incidentsAfter(events, 'ten_a', at('10:05'))).map((i) => i.tenant_id)).toEqual(['ten_a']);
    expect((await incidentsAfter(events, 'ten_b', at('10:05'))).map((i) => i.tenant_id)).toEqual(['ten_b']);
  });

  it('when an incident escalates and resolves, then every field says so, its id fixed by owner, service and opening', async () => {
    const events = [
      alertFired(availabilityTicket, at('10:00')),
      alertFired(availability, at('10:02')),
      alertResolved(availability, at('10:02'), at('10:35')),
      alertResolved(availabilityTicket, at('10:00'), at('10:45')),
    ];
    const [incident] = await incidentsAfter(events, 'ten_a', at('11:00'));
    const page = fingerprintOf({ slo: 'tenant-availability', service: 'gateway', tenant_id: 'ten_a', severity: 'page' });
    const ticket = 'tenant-availability|gateway|ten_a|ticket';
    expect(page).toBe('tenant-availability|gateway|ten_a|page');
    expect(incident).toEqual({
      id: incidentIdOf('ten_a', 'gateway', at('10:00')),
      tenant_id: 'ten_a',
      service: 'gateway',
      status: 'resolved',
      severity: 'page',
      title: 'tenant-availability on gateway (tenant ten_a)',
      opened_at: at('10:00'),
      resolved_at: at('10:45'),
      escalate_at: at('10:30'),
      escalated_at: at('10:30'),
      duration_minutes: 45,
      alerts: [
        {
          fingerprint: ticket,
          alert_id: 'tenant-availability:ten_a:ticket',
          slo: 'tenant-availability',
          severity: 'ticket',
          firing: false,
          first_fired_at: at('10:00'),
          last_fired_at: at('10:00'),
          resolved_at: at('10:45'),
          episodes: 1,
        },
        {
          fingerprint: page,
          alert_id: 'tenant-availability:ten_a:page',
          slo: 'tenant-availability',
          severity: 'page',
          firing: false,
          first_fired_at: at('10:02'),
          last_fired_at: at('10:02'),
          resolved_at: at('10:35'),
          episodes: 1,
        },
      ],
      timeline: [
        { at: at('10:00'), event: 'fired', fingerprint: ticket },
        { at: at('10:02'), event: 'fired', fingerprint: page },
        { at: at('10:30'), event: 'escalated', fingerprint: null },
        { at: at('10:35'), event: 'resolved', fingerprint: page },
        { at: at('10:45'), event: 'resolved', fingerprint: ticket },
      ],
    });
    expect(incident?.id).toMatch(/^inc_[A-Za-z0-9_-]{22}$/);
    expect(DEFAULT_INCIDENT_POLICY).toEqual({ correlationWindowMs: 300_000, escalateAfterMs: 1_800_000 });
  });
});
