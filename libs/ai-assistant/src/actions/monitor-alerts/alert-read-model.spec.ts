import { createInMemoryPersistence } from '@tenantry/persistence';
import { deliverInEveryOrder } from '@tenantry/testing';
import { applyEvent, type ReadModelEvent } from '../../read-models/follow-events';
import { DataVersionTracker, ReadModels } from '../../read-models/read-models';
import { alertFired, alertResolved, type AlertSpec } from '../../test-support/alert-events';

/** The clock the incidents are derived at (escalation depends on it). */
const NOW = new Date('2026-11-30T12:40:00.000Z');

const availability: AlertSpec = { slo: 'tenant-availability', service: 'gateway', tenantId: 'ten_a', severity: 'page' };
const latency: AlertSpec = { slo: 'billing-latency', service: 'billing', tenantId: null, severity: 'ticket' };

/** Two alerts: the tenant's fires and resolves twice (ends resolved); the service-wide one resolves once, fires again (ends firing). */
const HISTORY: ReadModelEvent[] = [
  alertFired(availability, '2026-11-30T10:00:00.000Z'),
  alertResolved(availability, '2026-11-30T10:00:00.000Z', '2026-11-30T10:20:00.000Z'),
  alertFired(availability, '2026-11-30T11:00:00.000Z'),
  alertResolved(availability, '2026-11-30T11:00:00.000Z', '2026-11-30T11:05:00.000Z'),
  alertFired(latency, '2026-11-30T09:00:00.000Z'),
  alertResolved(latency, '2026-11-30T09:00:00.000Z', '2026-11-30T09:30:00.000Z'),
  alertFired(latency, '2026-11-30T12:00:00.000Z'),
];

/** The alerts and the incidents derived from them (at NOW): both must end the same whatever the order. */
const alertModel = {
  async start() {
    const models = await ReadModels.open(createInMemoryPersistence());
    return {
      deliver: (event: ReadModelEvent) => applyEvent(models, event),
      async state() {
        const read = await models.alertsAcrossTenants(new DataVersionTracker());
        const alerts = read.items.map(({ tenantId, alert_id, firing, last_fired_at, objective, episodes }) => ({
          tenantId,
          alert_id,
          firing,
          last_fired_at,
          objective,
          episodes,
        }));
        return { alerts, incidents: (await models.incidentsAcrossTenants(NOW, new DataVersionTracker())).items };
      },
    };
  },
};

/** [tenant, service, status, opened_at, resolved_at, escalated_at, alerts as slo:severity×episodes] of each incident. */
const incidentRows = (incidents: Awaited<ReturnType<Awaited<ReturnType<typeof alertModel.start>>['state']>>['incidents']) =>
  incidents.map((i) => [
    i.tenant_id,
    i.service,
    i.status,
    i.opened_at.slice(11, 16),
    i.resolved_at?.slice(11, 16) ?? null,
    i.escalated_at?.slice(11, 16) ?? null,
    i.alerts.map((a) => `${a.slo}:${a.severity}×${a.episodes}`),
  ]);

describe('the alert read model', () => {
  it('when the history arrives in order, then the tenant alert is resolved and the service-wide one fires again', async () => {
    const { state } = await deliverInEveryOrder(alertModel, HISTORY, { maxOrders: 0 });
    expect(state.alerts.map((a) => [a.tenantId, a.alert_id, a.firing, a.last_fired_at, a.episodes.length])).toEqual([
      ['_platform', 'billing-latency:_platform:ticket', true, '2026-11-30T12:00:00.000Z', 2],
      ['ten_a', 'tenant-availability:ten_a:page', false, '2026-11-30T11:00:00.000Z', 2],
    ]);
    // The tenant's two episodes are 60 min apart (past the 5 min window, the first resolved): two incidents. The
    // service-wide SLO's 12:00 episode is unresolved at 12:40, past 12:00 + 30 min: escalated at 12:30.
    expect(incidentRows(state.incidents)).toEqual([
      [null, 'billing', 'escalated', '12:00', null, '12:30', ['billing-latency:ticket×1']],
      ['ten_a', 'gateway', 'resolved', '11:00', '11:05', null, ['tenant-availability:page×1']],
      ['ten_a', 'gateway', 'resolved', '10:00', '10:20', null, ['tenant-availability:page×1']],
      [null, 'billing', 'resolved', '09:00', '09:30', null, ['billing-latency:ticket×1']],
    ]);
  });

  it('when the events arrive in every order, then the alerts end the same', async () => {
    const report = await deliverInEveryOrder(alertModel, HISTORY, { maxOrders: 5_040 });
    expect(report.orders).toBe(5_040);
  });

  it('when the events arrive in shuffled orders with redeliveries, then the alerts end the same', async () => {
    const report = await deliverInEveryOrder(alertModel, HISTORY, { maxOrders: 200, duplicates: 4, seed: 7 });
    expect(report.orders).toBe(200);
  });

  it('when a resolution overtakes its alert.fired, then the alert is not left firing', async () => {
    const [fired, resolved] = [
      alertFired(availability, '2026-11-30T10:00:00.000Z'),
      alertResolved(availability, '2026-11-30T10:00:00.000Z', '2026-11-30T10:20:00.000Z'),
    ];
    const { state } = await deliverInEveryOrder(alertModel, [resolved, fired] as ReadModelEvent[]);
    expect(state.alerts).toEqual([expect.objectContaining({ firing: false, last_fired_at: '2026-11-30T10:00:00.000Z' })]);
    expect(incidentRows(state.incidents)).toEqual([
      ['ten_a', 'gateway', 'resolved', '10:00', '10:20', null, ['tenant-availability:page×1']],
    ]);
  });
});

describe('the incidents of the alert read model', () => {
  const latency: AlertSpec = { slo: 'tenant-latency', service: 'gateway', tenantId: 'ten_a', severity: 'page' };
  const availabilityTicket: AlertSpec = { ...availability, severity: 'ticket' };
  const billing: AlertSpec = { slo: 'billing-latency', service: 'billing', tenantId: null, severity: 'page' };
  const at = (time: string) => `2026-11-30T${time}:00.000Z`;

  /** Correlation depends on what is known of each episode: a late resolution or an early alert must not change the end. */
  const CORRELATED: ReadModelEvent[] = [
    alertFired(availability, at('10:00')),
    alertResolved(availability, at('10:00'), at('10:20')),
    alertFired(latency, at('10:03')),
    alertResolved(latency, at('10:03'), at('10:25')),
    alertFired(availability, at('10:40')),
    alertFired(availabilityTicket, at('10:42')),
    alertResolved(availabilityTicket, at('10:42'), at('10:50')),
  ];

  it('when correlated alerts arrive in order, then the window and the open incident decide what joins what', async () => {
    const { state } = await deliverInEveryOrder(alertModel, CORRELATED, { maxOrders: 0 });
    // 10:03 is within 5 min of 10:00: one incident until the later resolution, 10:25. 10:40 is past both 10:05 and
    // 10:25: a new incident, which the ticket (10:42) joins; the page still fires, and 11:10 has passed at 12:40.
    expect(incidentRows(state.incidents)).toEqual([
      ['ten_a', 'gateway', 'escalated', '10:40', null, '11:10', ['tenant-availability:page×1', 'tenant-availability:ticket×1']],
      ['ten_a', 'gateway', 'resolved', '10:00', '10:25', null, ['tenant-availability:page×1', 'tenant-latency:page×1']],
    ]);
  });

  it('when correlated alerts arrive in every order, then the incidents end the same', async () => {
    const report = await deliverInEveryOrder(alertModel, CORRELATED, { maxOrders: 5_040 });
    expect(report.orders).toBe(5_040);
  });

  it('when correlated alerts and a service-wide one arrive shuffled with redeliveries, then the incidents end the same', async () => {
    const history = [...CORRELATED, alertFired(billing, at('10:01'))];
    const report = await deliverInEveryOrder(alertModel, history, { maxOrders: 300, duplicates: 5, seed: 11 });
    expect(report.orders).toBe(300);
    expect(incidentRows(report.state.incidents).map((row) => row.slice(0, 3))).toEqual([
      ['ten_a', 'gateway', 'escalated'],
      [null, 'billing', 'escalated'],
      ['ten_a', 'gateway', 'resolved'],
    ]);
  });
});
