import { createEvent, type EventDataInput, type EventType } from '@tenantry/contracts';
import { createInMemoryPersistence } from '@tenantry/persistence';
import { subscriptionCreated, usageBatch } from '../test-support/usage-events';
import { applyEvent, type ReadModelEvent } from './follow-events';
import { DataVersionTracker, ReadModels } from './read-models';

const T = 'ten_perm';
const period = { start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' };
const event = <K extends EventType>(type: K, data: EventDataInput<K>) =>
  createEvent(type, { tenantId: T, data, source: '/test' }) as unknown as ReadModelEvent;
const invoiceRef = { tenant_id: T, invoice_id: 'inv_1', number: 'T-0001', amount_cents: 19_900, currency: 'EUR' };

/** A tenant's history across five topics: three plan changes, one invoice's life, three usage batches on two days. */
const HISTORY: ReadModelEvent[] = [
  event('subscription.created', subscriptionCreated(T, 'basic', 1)),
  event('subscription.upgraded', {
    tenant_id: T,
    revision: 2,
    subscription_id: `sub_${T}`,
    from_plan_id: 'basic',
    to_plan_id: 'pro',
    from_interval: 'monthly',
    interval: 'monthly',
    effective_at: '2026-02-01T00:00:00.000Z',
    period,
  }),
  event('subscription.downgraded', {
    tenant_id: T,
    revision: 3,
    subscription_id: `sub_${T}`,
    from_plan_id: 'pro',
    to_plan_id: 'basic',
    from_interval: 'monthly',
    interval: 'annual',
    timing: 'period_end',
    effective_at: '2026-03-01T00:00:00.000Z',
    period,
  }),
  event('invoice.issued', {
    tenant_id: T,
    invoice_id: 'inv_1',
    number: 'T-0001',
    document_type: 'invoice',
    reason: 'renewal',
    currency: 'EUR',
    period,
    lines: [{ kind: 'subscription', description: 'Pro', quantity: 1, unit_amount_cents: 19_900, amount_cents: 19_900 }],
    subtotal_cents: 19_900,
    total_cents: 19_900,
    issued_at: '2026-02-01T00:00:00.000Z',
    due_at: '2026-02-15T00:00:00.000Z',
  }),
  event('invoice.overdue', { ...invoiceRef, due_at: '2026-02-15T00:00:00.000Z' }),
  event('invoice.paid', { ...invoiceRef, paid_at: '2026-02-20T00:00:00.000Z', method: 'manual' }),
  event('metric.recorded', usageBatch(T, '2026-02-10', 40)),
  event('metric.recorded', usageBatch(T, '2026-02-10', 2, { route: '/api/v1/tenants', rateLimited: 1 })),
  event('metric.recorded', usageBatch(T, '2026-02-11', 7)),
];

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function stateAfter(events: readonly ReadModelEvent[]) {
  const models = await ReadModels.open(createInMemoryPersistence());
  for (const e of events) await applyEvent(models, e);
  const tracker = new DataVersionTracker();
  const strip = <D extends { version?: number; createdAt?: Date; updatedAt?: Date }>(documents: D[]) =>
    documents.map(({ version: _v, createdAt: _c, updatedAt: _u, ...rest }) => rest);
  return {
    plan: strip([(await models.planOf(T, tracker)) ?? {}]),
    invoices: strip(await models.invoicesOf(T, tracker)),
    usage: strip(await models.usageOf(T, tracker)),
  };
}

describe('read models from events', () => {
  it('when the history arrives in order, then the plan, the invoice and the usage days are what it says', async () => {
    const state = await stateAfter(HISTORY);
    expect(state.plan[0]).toMatchObject({
      plan_id: 'basic',
      interval: 'annual',
      status: 'active',
      revision: 3,
      since: '2026-01-01T00:00:00.000Z',
    });
    expect(state.invoices).toEqual([
      expect.objectContaining({ invoice_id: 'inv_1', status: 'paid', amount_cents: 19_900, overdue_at: expect.any(String) }),
    ]);
    expect(state.usage.map((day) => [day.day, day.routes.map((r) => [r.route, r.request_count, r.rate_limited_count])])).toEqual([
      [
        '2026-02-10',
        [
          ['/api/v1/tenants', 2, 1],
          ['/api/v1/tenants/:tenantId', 40, 0],
        ],
      ],
      ['2026-02-11', [['/api/v1/tenants/:tenantId', 7, 0]]],
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    'when the events of the five topics arrive in shuffled order (seed %i), then the read models end the same',
    async (seed) => {
      expect(await stateAfter(shuffled(HISTORY, seed))).toEqual(await stateAfter(HISTORY));
    },
  );

  it('when subscription and invoice events are delivered twice, then nothing changes (idempotent by revision and by field)', async () => {
    const redelivered = HISTORY.filter((e) => e.type !== 'metric.recorded');
    expect(await stateAfter([...HISTORY, ...shuffled(redelivered, 99)])).toEqual(await stateAfter(HISTORY));
  });
});
