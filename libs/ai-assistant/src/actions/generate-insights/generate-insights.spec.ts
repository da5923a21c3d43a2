import {
  activated,
  cancelled,
  intervalChanged,
  invoiceIssued,
  invoicePaid,
  planChanged,
  subscribed,
} from '../../test-support/billing-events';
import { readModelEvent, runAction } from '../../test-support/run-action';
import { usageBatch } from '../../test-support/usage-events';
import type { ReadModelEvent } from '../../read-models/follow-events';
import { generateInsights, type platformInsights, type tenantInsights } from './generate-insights';
import { mrrHistory } from './recurring-revenue';

const NOW = '2026-11-30T15:00:00.000Z';
const forTenant = async (events: ReadModelEvent[], tenantId = 't') =>
  (await runAction(generateInsights, events, { tenantId, now: NOW })) as ReturnType<typeof tenantInsights>;
const forPlatform = async (events: ReadModelEvent[]) =>
  (await runAction(generateInsights, events, {
    tenantId: 'ten_a',
    now: NOW,
    requestedBy: 'admin',
    parameters: { scope: 'platform' },
  })) as ReturnType<typeof platformInsights>;

/**
 * Six tenants, the window from 2026-11-01:
 * a basic → pro on 11-10 (expansion 15,000); b pro annual since March (199,000 / 12 = 16,583);
 * c pro cancelled on 11-20 (churn 19,900); d basic trial from 11-05, activated 11-19 (new 4,900);
 * e enterprise → pro on 11-25 (contraction 99,900 − 19,900 = 80,000); f basic trial since 11-29 (0).
 */
const PLATFORM = [
  subscribed('ten_a', 'basic', '2026-01-01T00:00:00.000Z'),
  planChanged('ten_a', 'upgraded', 'basic', 'pro', '2026-11-10T00:00:00.000Z', 2),
  subscribed('ten_b', 'pro', '2026-03-01T00:00:00.000Z', { interval: 'annual' }),
  subscribed('ten_c', 'pro', '2026-02-01T00:00:00.000Z'),
  cancelled('ten_c', 'pro', '2026-11-20T00:00:00.000Z', 2),
  subscribed('ten_d', 'basic', '2026-11-05T00:00:00.000Z', { trialing: true }),
  activated('ten_d', 'basic', '2026-11-19T00:00:00.000Z', 2),
  subscribed('ten_e', 'enterprise', '2026-05-01T00:00:00.000Z'),
  planChanged('ten_e', 'downgraded', 'enterprise', 'pro', '2026-11-25T00:00:00.000Z', 2),
  subscribed('ten_f', 'basic', '2026-11-29T00:00:00.000Z', { trialing: true }),
];

/** ten_a's invoices (one paid, one past due, one open, a credit note) and three days of usage, 500 of them refused. */
const TENANT_A = [
  ...PLATFORM.slice(0, 2),
  invoiceIssued('ten_a', 'A-1', 4_900, '2026-10-01T00:00:00.000Z', '2026-10-15T00:00:00.000Z'),
  invoicePaid('ten_a', 'A-1', 4_900, '2026-10-02T00:00:00.000Z'),
  invoiceIssued('ten_a', 'A-2', 19_900, '2026-11-10T00:00:00.000Z', '2026-11-24T00:00:00.000Z'),
  invoiceIssued('ten_a', 'A-3', 15_000, '2026-11-28T00:00:00.000Z', '2026-12-12T00:00:00.000Z'),
  invoiceIssued('ten_a', 'A-4', -1_000, '2026-11-28T00:00:00.000Z'),
  readModelEvent('metric.recorded', 'ten_a', usageBatch('ten_a', '2026-11-28', 9_000)),
  readModelEvent('metric.recorded', 'ten_a', usageBatch('ten_a', '2026-11-29', 10_500, { rateLimited: 500 })),
  readModelEvent('metric.recorded', 'ten_a', usageBatch('ten_a', '2026-11-30', 2_000)),
];

describe('generate_insights', () => {
  it('when the admin asks for the platform, then MRR by plan, tenants by plan and status, ARPA and the MRR movement add up', async () => {
    const result = await forPlatform(PLATFORM);
    // MRR now: a 19,900 + b 16,583 + d 4,900 + e 19,900 = 61,283 (c cancelled, f trialing: 0); 4 paying → ARPA 15,320.75 → 15,321
    expect(result).toMatchObject({
      mrr_cents: 61_283,
      paying_accounts: 4,
      arpa_cents: 15_321,
      arpa_formula: '61283 / 4',
      by_plan: {
        basic: { mrr_cents: 4_900, tenants: { trialing: 1, active: 1, cancelled: 0 } },
        pro: { mrr_cents: 56_383, tenants: { trialing: 0, active: 3, cancelled: 1 }, monthly_interval: 2, annual_interval: 1 },
        enterprise: { mrr_cents: 0, tenants: { trialing: 0, active: 0, cancelled: 0 } },
      },
    });
    // start 11-01: a 4,900 + b 16,583 + c 19,900 + e 99,900 = 141,283; net 4,900 + 15,000 − 80,000 − 19,900 = −80,000 → 61,283
    expect(result.mrr_movement).toMatchObject({
      from: '2026-11-01T00:00:00.000Z',
      mrr_at_start_cents: 141_283,
      new_cents: 4_900,
      reactivation_cents: 0,
      expansion_cents: 15_000,
      contraction_cents: 80_000,
      churn_cents: 19_900,
      net_cents: -80_000,
      mrr_at_end_cents: 61_283,
    });
    expect(result.mrr_movement.changes.map((c) => [c.tenant_id, c.movement, c.mrr_before_cents, c.mrr_after_cents])).toEqual([
      ['ten_a', 'expansion', 4_900, 19_900],
      ['ten_d', 'new', 0, 4_900],
      ['ten_c', 'churn', 19_900, 0],
      ['ten_e', 'contraction', 99_900, 19_900],
    ]);
  });

  it('when a tenant asks, then its plan, MRR, invoices by standing and usage against its quota come with their figures', async () => {
    const result = await forTenant(TENANT_A, 'ten_a');
    expect(result).toMatchObject({
      subscription: {
        plan_id: 'pro',
        interval: 'monthly',
        status: 'active',
        list_price_cents: 19_900,
        mrr_cents: 19_900,
        mrr_formula: '19900 monthly',
      },
      invoices: {
        paid: { count: 1, amount_cents: 4_900, numbers: ['A-1'] },
        overdue: { count: 1, amount_cents: 19_900, numbers: ['A-2'] }, // due 11-24, no payment seen
        open: { count: 1, amount_cents: 15_000, numbers: ['A-3'] },
        credit_note: { count: 1, amount_cents: -1_000, numbers: ['A-4'] },
      },
      // 9,000 + 10,500 + 2,000 = 21,500 in 3 days → 7,166.67 a day; peak 10,500 / 10,000 = 1.05
      usage: {
        days_with_data: 3,
        from: '2026-11-28',
        total_requests: 21_500,
        mean_requests_per_day: 7_166.67,
        peak_requests_per_day: 10_500,
        peak_day: '2026-11-29',
        rate_limited_requests: 500,
        daily_quota: 10_000,
        peak_share_of_quota: 1.05,
        days_at_or_over_quota: 1,
      },
      mrr_movement: { mrr_at_start_cents: 4_900, expansion_cents: 15_000, net_cents: 15_000, mrr_at_end_cents: 19_900 },
      notes: [],
    });
  });

  it.each([
    // 199,000 / 12 = 16,583.33 → 16,583
    ['pro annual', [subscribed('t', 'pro', '2026-01-01T00:00:00.000Z', { interval: 'annual' })], 16_583, '199000 / 12'],
    // 49,000 / 12 = 4,083.33 → 4,083
    ['basic annual', [subscribed('t', 'basic', '2026-01-01T00:00:00.000Z', { interval: 'annual' })], 4_083, '49000 / 12'],
    ['a trial', [subscribed('t', 'enterprise', '2026-11-20T00:00:00.000Z', { trialing: true })], 0, 'trialing: 0'],
  ])('when the subscription is %s, then its MRR is %i cents (%s)', async (_name, events, mrr, formula) => {
    const result = await forTenant(events);
    expect(result.subscription).toMatchObject({ mrr_cents: mrr, mrr_formula: formula });
  });

  it('when monthly becomes annual, then MRR contracts by the annual discount; a cancelled tenant that subscribes again is a reactivation', () => {
    const switched = [
      subscribed('t', 'pro', '2026-01-01T00:00:00.000Z'),
      intervalChanged('t', 'pro', 'monthly', 'annual', '2026-11-10T00:00:00.000Z', 2),
    ];
    const back = [
      subscribed('t', 'basic', '2026-01-01T00:00:00.000Z'),
      cancelled('t', 'basic', '2026-06-01T00:00:00.000Z', 2),
      subscribed('t', 'pro', '2026-11-01T00:00:00.000Z', { revision: 3 }),
    ];
    const history = async (events: typeof switched) => {
      const result = await forTenant(events);
      return (result.mrr_movement?.changes ?? []).map((c) => [c.movement, c.mrr_before_cents, c.mrr_after_cents]);
    };
    return Promise.all([
      expect(history(switched)).resolves.toEqual([['contraction', 19_900, 16_583]]),
      expect(history(back)).resolves.toEqual([['reactivation', 0, 19_900]]),
    ]);
  });

  it('when the read models hold nothing for the tenant, then the answer says which figures are missing instead of inventing them', async () => {
    const result = await forTenant([], 'ten_none');
    expect(result).toMatchObject({ subscription: null, invoices: null, mrr_movement: null });
    expect(result.notes).toEqual([
      'No subscription event seen for this tenant: no plan or MRR figures.',
      'No invoice event seen for this tenant: no invoice figures.',
      'No usage recorded in the last 30 days.',
    ]);
  });

  it('when the changes are replayed, then the history names each move by revision, whatever order they are given in', () => {
    const changes = [
      {
        revision: 2,
        kind: 'upgraded' as const,
        plan_id: 'pro' as const,
        from_plan_id: 'basic' as const,
        interval: 'monthly' as const,
        trialing: false,
        effective_at: '2026-02-01T00:00:00.000Z',
      },
      {
        revision: 1,
        kind: 'created' as const,
        plan_id: 'basic' as const,
        from_plan_id: null,
        interval: 'monthly' as const,
        trialing: false,
        effective_at: '2026-01-01T00:00:00.000Z',
      },
    ];
    expect(mrrHistory(changes).map((c) => [c.revision, c.movement, c.mrr_after_cents])).toEqual([
      [1, 'new', 4_900],
      [2, 'expansion', 19_900],
    ]);
  });
});
