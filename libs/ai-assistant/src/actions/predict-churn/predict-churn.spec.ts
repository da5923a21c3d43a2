import type { ReadModelEvent } from '../../read-models/follow-events';
import { cancelled, invoiceIssued, invoiceOverdue, invoicePaid, planChanged, subscribed } from '../../test-support/billing-events';
import { readModelEvent, runAction } from '../../test-support/run-action';
import { usageBatch } from '../../test-support/usage-events';
import type { ReadModels } from '../../read-models/read-models';
import { SupportTickets } from '../../tickets/support-tickets';
import type { TicketFields } from '../../tickets/ticket.collection';
import { predictChurn } from './predict-churn';

const NOW = '2026-11-30T15:00:00.000Z';
const usage = (tenantId: string, byDay: Record<string, number>): ReadModelEvent[] =>
  Object.entries(byDay).map(([day, requests]) => readModelEvent('metric.recorded', tenantId, usageBatch(tenantId, day, requests)));
const lastFiveDays = (tenantId: string, requests: number[]) =>
  usage(tenantId, Object.fromEntries(requests.map((r, i) => [`2026-11-${26 + i}`, r])));

/** A steady pro tenant: 100 calls on each of the last five days, its one invoice paid. */
const steady = (t: string) => [
  subscribed(t, 'pro', '2026-01-01T00:00:00.000Z'),
  ...lastFiveDays(t, [100, 100, 100, 100, 100]),
  invoiceIssued(t, 'S-1', 19_900, '2026-11-01T00:00:00.000Z', '2026-11-15T00:00:00.000Z'),
  invoicePaid(t, 'S-1', 19_900, '2026-11-03T00:00:00.000Z'),
];
/** Falling calls, one invoice overdue and one open, and a downgrade on 20 November. */
const declining = (t: string) => [
  subscribed(t, 'pro', '2026-01-01T00:00:00.000Z'),
  planChanged(t, 'downgraded', 'pro', 'basic', '2026-11-20T00:00:00.000Z', 2),
  ...lastFiveDays(t, [100, 90, 80, 70, 60]),
  invoiceIssued(t, 'D-1', 19_900, '2026-11-01T00:00:00.000Z', '2026-11-15T00:00:00.000Z'),
  invoiceOverdue(t, 'D-1', 19_900, '2026-11-15T00:00:00.000Z'),
  invoiceIssued(t, 'D-2', 4_900, '2026-11-20T00:00:00.000Z', '2026-12-04T00:00:00.000Z'),
];
/** One busy day on 10 November, silence since, no invoice seen. */
const silent = (t: string) => [subscribed(t, 'pro', '2026-01-01T00:00:00.000Z'), ...usage(t, { '2026-11-10': 50 })];
/** Never called, cancelled effective 25 November. */
const gone = (t: string) => [subscribed(t, 'basic', '2026-01-01T00:00:00.000Z'), cancelled(t, 'basic', '2026-11-25T00:00:00.000Z', 2)];

const contributions = (result: { signals: Array<{ signal: string; contribution: number; available: boolean }> }) =>
  Object.fromEntries(result.signals.map((s) => [s.signal, s.available ? s.contribution : null]));

describe('predict_churn', () => {
  it.each([
    // trend: flat → 0; last call today → 0; 0 of 1 invoice overdue → 0; no downgrade → 0
    ['steady', steady, { usage_trend: 0, inactivity: 0, unpaid_invoices: 0, plan_change: 0, support_load: null }, 0, 'low', []],
    // trend: slope −10, median 80, decline 10 × 4 = 40 → 40/80 = 0.5 × 30 = 15; 1 overdue / 2 × 25 = 12.5;
    // downgrade on 11-20 within 30 days: 0.5 × 20 = 10 → 37.5 of 100 → 38
    [
      'declining',
      declining,
      { usage_trend: 15, inactivity: 0, unpaid_invoices: 12.5, plan_change: 10, support_load: null },
      38,
      'medium',
      ['usage_trend', 'unpaid_invoices', 'plan_change'],
    ],
    // trend 11-10…11-30: [50, 0 × 20] → Theil–Sen 0 (190 of 210 pairwise slopes are 0); last call 20 days ago ≥ 14 → 25;
    // no invoice seen: 75 of the weights known → 100 × 25 / 75 = 33.3 → 33
    [
      'silent',
      silent,
      { usage_trend: 0, inactivity: 25, unpaid_invoices: null, plan_change: 0, support_load: null },
      33,
      'medium',
      ['inactivity'],
    ],
    // no usage since 11-01 (no trend), none ever: 333 days since subscribing → 25; cancelled → 20; 45 of 45 known → 100
    [
      'cancelled',
      gone,
      { usage_trend: null, inactivity: 25, unpaid_invoices: null, plan_change: 20, support_load: null },
      100,
      'high',
      ['inactivity', 'plan_change'],
    ],
  ] as const)(
    'when the tenant is %s, then the signals contribute %j and the score is %i (%s)',
    async (_name, history, expected, score, band, suggested) => {
      const result = await runAction(predictChurn, history('ten_c'), { tenantId: 'ten_c', now: NOW });
      expect(contributions(result as never)).toEqual(expected);
      expect(result).toMatchObject({ score, band });
      expect((result as { suggestions: Array<{ signal: string }> }).suggestions.map((s) => s.signal)).toEqual(suggested);
    },
  );

  it('when the tenant declines, then each signal shows the figures behind it and each suggestion quotes them', async () => {
    const result = (await runAction(predictChurn, declining('ten_d'), { tenantId: 'ten_d', now: NOW })) as {
      signals: Array<{ signal: string; value: unknown; weight: number; share: number }>;
      suggestions: Array<{ signal: string; suggestion: string }>;
    };
    expect(result.signals).toEqual([
      expect.objectContaining({
        signal: 'usage_trend',
        weight: 30,
        share: 0.5,
        value: { from: '2026-11-26', to: '2026-11-30', days: 5, slope_per_day: -10, median_requests_per_day: 80, decline_over_window: 40 },
      }),
      expect.objectContaining({
        signal: 'inactivity',
        weight: 25,
        share: 0,
        value: { last_active_day: '2026-11-30', days_since_last_call: 0 },
      }),
      expect.objectContaining({
        signal: 'unpaid_invoices',
        weight: 25,
        share: 0.5,
        value: { invoices_seen: 2, paid_count: 0, open_count: 1, overdue_count: 1, overdue_cents: 19_900, overdue_numbers: ['D-1'] },
      }),
      expect.objectContaining({
        signal: 'plan_change',
        weight: 20,
        share: 0.5,
        value: { status: 'active', downgraded_from: 'pro', downgraded_to: 'basic', effective_at: '2026-11-20T00:00:00.000Z' },
      }),
      expect.objectContaining({ signal: 'support_load', available: false, weight: 15 }),
    ]);
    expect(result.suggestions[0]?.suggestion).toContain('fall by 10 a day (40 over 5 days, median day 80)');
    expect(result.suggestions[1]?.suggestion).toContain('1 overdue invoice(s) (D-1) for 19900 cents');
    expect(result.suggestions[2]?.suggestion).toContain('Downgraded from pro to basic on 2026-11-20');
  });

  it('when an issued invoice is past its due date with no overdue event yet, then it counts as overdue', async () => {
    const history = [...steady('ten_p'), invoiceIssued('ten_p', 'S-2', 19_900, '2026-11-10T00:00:00.000Z', '2026-11-24T00:00:00.000Z')];
    const result = await runAction(predictChurn, history, { tenantId: 'ten_p', now: NOW });
    expect(result).toMatchObject({ score: 13, band: 'low' }); // 1 overdue / 2 × 25 = 12.5 → 13
  });

  it('when the read models hold nothing for the tenant, then every signal says why it is missing and no score is made up', async () => {
    const result = await runAction(predictChurn, [], { tenantId: 'ten_none', now: NOW });
    expect(result).toMatchObject({ score: null, band: 'unknown', weight_known: 0, suggestions: [] });
    expect((result as { signals: Array<{ reason: string }> }).signals.map((s) => s.reason)).toEqual([
      'no usage recorded since 2026-11-01',
      'no usage and no subscription recorded: no day to count from',
      'no invoice events seen for this tenant',
      'no subscription events seen for this tenant',
      'no support ticket triaged for this tenant (automate_support)',
    ]);
  });

  it('when the admin asks across tenants, then every tenant is ranked riskiest first with the bands counted', async () => {
    const history = [...steady('ten_a'), ...declining('ten_b'), ...silent('ten_c'), ...gone('ten_d')];
    const result = await runAction(predictChurn, history, {
      tenantId: 'ten_a',
      now: NOW,
      requestedBy: 'admin',
      parameters: { scope: 'platform', limit: 3 },
    });
    expect(result).toMatchObject({
      inputs: { scope: 'platform', tenants_assessed: 4, truncated: false },
      bands: { high: 1, medium: 2, low: 1, unknown: 0 },
    });
    expect((result as { tenants: Array<{ tenant_id: string; score: number }> }).tenants.map((t) => [t.tenant_id, t.score])).toEqual([
      ['ten_d', 100],
      ['ten_b', 38],
      ['ten_c', 33],
    ]);
  });

  it('when a tenant’s task asks for the platform scope, then it is refused before reading anything', async () => {
    await expect(runAction(predictChurn, [], { tenantId: 'ten_a', now: NOW, parameters: { scope: 'platform' } })).rejects.toThrow(
      'platform admin only',
    );
  });

  describe('support load and sentiment', () => {
    /** Tickets as automate_support records them: `[day triaged, sentiment]`. */
    const tickets =
      (tenantId: string, list: Array<[string, TicketFields['sentiment']]>) =>
      async (models: ReadModels): Promise<void> => {
        const store = new SupportTickets(models.tickets);
        for (const [i, [day, sentiment]] of list.entries())
          await store.recordOnce(tenantId, {
            subject: 'A ticket',
            text: 'Its text',
            task_id: `tsk_${i}`,
            triaged_at: `${day}T10:00:00.000Z`,
            language: 'en',
            language_confidence: 1,
            category: 'other',
            category_scores: [],
            sentiment,
            sentiment_score: sentiment === 'negative' ? -3 : 0,
            priority: 'normal',
            priority_points: 2,
            reply_draft: 'Hello',
          });
      };
    const supportOf = async (list: Array<[string, TicketFields['sentiment']]>) => {
      const result = (await runAction(predictChurn, steady('ten_s'), { tenantId: 'ten_s', now: NOW, seed: tickets('ten_s', list) })) as {
        score: number;
        signals: Array<{ signal: string; share: number; contribution: number; value: unknown }>;
        suggestions: Array<{ signal: string; suggestion: string }>;
      };
      return { result, signal: result.signals.find((s) => s.signal === 'support_load') };
    };

    it.each([
      // a ticket long ago only: the signal is known, and 0 in the 30-day window (11-01 … 11-30)
      ['one old neutral ticket', [['2026-09-01', 'neutral']], 0, 0],
      // 1 of 5 in full × (0.5 + 0.5 × 0) = 0.1 → 1.5 of 15; score 100 × 1.5 / 115 = 1.3 → 1
      ['one neutral ticket', [['2026-11-20', 'neutral']], 0.1, 1],
      // 1/5 × (0.5 + 0.5 × 1) = 0.2 → 3 of 15; 100 × 3 / 115 = 2.6 → 3
      ['one negative ticket', [['2026-11-20', 'negative']], 0.2, 3],
      // 3/5 × (0.5 + 0.5 × 2/3) = 0.5 → 7.5; 100 × 7.5 / 115 = 6.5 → 7
      [
        'three tickets, two negative',
        [
          ['2026-11-20', 'negative'],
          ['2026-11-25', 'negative'],
          ['2026-11-28', 'positive'],
        ],
        0.5,
        7,
      ],
      // 6 tickets ≥ 5 → 1 × (0.5 + 0.5 × 1) = 1 → 15; 100 × 15 / 115 = 13
      ['six negative tickets', Array.from({ length: 6 }, (_, i) => [`2026-11-2${i}`, 'negative']), 1, 13],
    ] as const)(
      'when a steady tenant has %s, then support load carries a share of %d and the score is %i',
      async (_name, list, share, score) => {
        const { result, signal } = await supportOf(list as unknown as Array<[string, TicketFields['sentiment']]>);
        expect(signal).toMatchObject({ share, contribution: Math.round(15 * share * 100) / 100 });
        expect(result.score).toBe(score);
      },
    );

    it('when tickets grow in number and in negative share, then the churn factor only rises', async () => {
      const shares = [];
      for (const list of [
        [['2026-11-20', 'neutral']],
        [['2026-11-20', 'negative']],
        [
          ['2026-11-20', 'negative'],
          ['2026-11-21', 'neutral'],
        ],
        [
          ['2026-11-20', 'negative'],
          ['2026-11-21', 'negative'],
        ],
        [
          ['2026-11-20', 'negative'],
          ['2026-11-21', 'negative'],
          ['2026-11-22', 'negative'],
          ['2026-11-23', 'negative'],
          ['2026-11-24', 'negative'],
        ],
      ] as Array<Array<[string, TicketFields['sentiment']]>>)
        shares.push((await supportOf(list)).signal?.share ?? -1);
      expect(shares).toEqual([0.1, 0.2, 0.3, 0.4, 1]);
    });

    it('when the tenant has negative tickets, then the suggestion quotes how many and since when', async () => {
      const { result } = await supportOf([
        ['2026-11-20', 'negative'],
        ['2026-11-25', 'neutral'],
      ]);
      expect(result.signals.find((s) => s.signal === 'support_load')?.value).toEqual({
        tickets_in_window: 2,
        negative_tickets: 1,
        negative_share: 0.5,
        tickets_ever: 2,
        since: '2026-11-01',
      });
      expect(result.suggestions.find((s) => s.signal === 'support_load')?.suggestion).toContain(
        '2 support ticket(s) since 2026-11-01, 1 of them in a negative tone',
      );
    });

    it('when another tenant has tickets, then they do not count for this one', async () => {
      const result = await runAction(predictChurn, steady('ten_s'), {
        tenantId: 'ten_s',
        now: NOW,
        seed: tickets('ten_x', [['2026-11-20', 'negative']]),
      });
      expect((result as { missing_signals: string[] }).missing_signals).toEqual(['support_load']);
    });
  });
});
