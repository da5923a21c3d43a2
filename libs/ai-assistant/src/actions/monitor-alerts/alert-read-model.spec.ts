import { createInMemoryPersistence } from '@tenantry/persistence';
import { deliverInEveryOrder } from '@tenantry/testing';
import { applyEvent, type ReadModelEvent } from '../../read-models/follow-events';
import { DataVersionTracker, ReadModels } from '../../read-models/read-models';
import { alertFired, alertResolved, type AlertSpec } from '../../test-support/alert-events';

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

const alertModel = {
  async start() {
    const models = await ReadModels.open(createInMemoryPersistence());
    return {
      deliver: (event: ReadModelEvent) => applyEvent(models, event),
      async state() {
        const read = await models.alertsAcrossTenants(new DataVersionTracker());
        return read.items.map(({ tenantId, alert_id, firing, last_fired_at, objective, episodes }) => ({
          tenantId,
          alert_id,
          firing,
          last_fired_at,
          objective,
          episodes,
        }));
      },
    };
  },
};

describe('the alert read model', () => {
  it('when the history arrives in order, then the tenant alert is resolved and the service-wide one fires again', async () => {
    const { state } = await deliverInEveryOrder(alertModel, HISTORY, { maxOrders: 0 });
    expect(state.map((a) => [a.tenantId, a.alert_id, a.firing, a.last_fired_at, a.episodes.length])).toEqual([
      ['_platform', 'billing-latency:_platform:ticket', true, '2026-11-30T12:00:00.000Z', 2],
      ['ten_a', 'tenant-availability:ten_a:page', false, '2026-11-30T11:00:00.000Z', 2],
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
    expect(state).toEqual([expect.objectContaining({ firing: false, last_fired_at: '2026-11-30T10:00:00.000Z' })]);
  });
});
