import { alertFired } from '../../test-support/alert-events';
import { invoiceIssued, invoiceOverdue, invoicePaid, subscribed } from '../../test-support/billing-events';
import { readModelEvent, runAction } from '../../test-support/run-action';
import { usageBatch } from '../../test-support/usage-events';
import type { ReadModels } from '../../read-models/read-models';
import { automateSupport } from './automate-support';

const NOW = '2026-11-30T15:00:00.000Z';
type Answer = ReturnType<typeof import('./automate-support').supportAnswer>;
const run = (
  tenantId: string,
  events: Parameters<typeof runAction>[1],
  parameters: Record<string, unknown>,
  options: { planId?: 'basic' | 'pro'; seed?: (models: ReadModels) => Promise<void>; taskId?: string } = {},
) => runAction(automateSupport, events, { tenantId, now: NOW, parameters, ...options }) as Promise<Answer>;

const usage = (tenantId: string, day: string, requests: number, extra: Parameters<typeof usageBatch>[3]) =>
  readModelEvent('metric.recorded', tenantId, usageBatch(tenantId, day, requests, extra));

describe('automate_support', () => {
  it('when a Basic tenant reports 429s, then the ticket is rate_limits and the reply quotes its refused calls, days, routes and plan limits', async () => {
    const t = 'ten_rl';
    const history = [
      subscribed(t, 'basic', '2026-01-01T00:00:00.000Z'),
      usage(t, '2026-11-20', 900, { rateLimited: 90, route: '/api/v1/reports' }), // before the 7-day window (from 11-24)
      usage(t, '2026-11-27', 1_000, { rateLimited: 120, route: '/api/v1/reports' }),
      usage(t, '2026-11-29', 600, { rateLimited: 30, route: '/api/v1/items' }),
    ];
    const result = await run(t, history, {
      subject: 'Too many requests since Friday',
      text: 'Since Friday many of our calls are refused with 429 Too Many Requests and our nightly import fails. We need this fixed urgently.',
      contact: { name: 'Dana', email: 'dana@example.com' },
    });
    expect(result).toMatchObject({ category: 'rate_limits', language: 'en' });
    // 1,000 + 600 calls in the window, 120 + 30 refused: 150 / 1600 = 0.09375
    expect(result.context.usage).toMatchObject({
      from: '2026-11-24',
      requests: 1_600,
      rate_limited: 150,
      rate_limited_share: 0.0938,
      days_with_429: ['2026-11-27', '2026-11-29'],
      busiest_day: { day: '2026-11-27', requests: 1_000 },
      routes_with_429: [
        { route: 'GET /api/v1/reports', rate_limited: 120, requests: 1_000 },
        { route: 'GET /api/v1/items', rate_limited: 30, requests: 600 },
      ],
    });
    expect(result.context.plan).toMatchObject({
      plan_id: 'basic',
      api_calls_per_day: 1_000,
      requests_per_minute: 10,
      priority_support: false,
    });
    // AFINN: "fails" −2 (no other scored word) → −2, negative
    expect(result.figures.sentiment).toMatchObject({ sentiment: 'negative', score: -2, negative_words: ['fails'] });
    // rate_limits 2 + "urgently" 2 + negative tone 1 + 150 refused calls 1 = 6 (urgent); Basic has no priority support
    expect(result.figures.priority).toEqual({
      points: 6,
      rules: [
        { rule: 'category rate_limits', points: 2 },
        { rule: 'urgent words: urgently', points: 2 },
        { rule: 'negative tone', points: 1 },
        { rule: '150 call(s) refused with 429 since 2026-11-24', points: 1 },
      ],
    });
    expect(result.priority).toBe('urgent');
    expect(result.reply.body).toContain('Hello Dana,');
    expect(result.reply.body).toContain(
      'Since 2026-11-24, 150 of your 1600 calls (9.4 %) were refused with 429, on 2 days (2026-11-27, 2026-11-29), most on GET /api/v1/reports (120).',
    );
    // busiest day 1,000 of a 1,000 daily quota = 100 %; the next plan up is Pro
    expect(result.reply.body).toContain(
      'Your Basic plan allows 10 requests per minute and 1000 calls a day; your busiest day, 2026-11-27, had 1000 calls (100 % of the daily quota). Pro allows 100 requests per minute and 10000 calls a day.',
    );
    expect(result.reply.facts_used).toEqual(expect.arrayContaining(['usage.rate_limited', 'plan.api_calls_per_day']));
    expect(result.figures.category.scores.map((s) => s.category)).toHaveLength(6);
    expect(result.figures.category.scores[0]).toEqual({ category: 'rate_limits', log2_odds: expect.any(Number) });
    expect(result.phrasing).toEqual({ by: 'built_in', model: null, fallback_reason: null });
  });

  it('when a Pro tenant asks about an overdue invoice, then the reply lists its unpaid invoices with amounts and due dates', async () => {
    const t = 'ten_bill';
    const history = [
      subscribed(t, 'pro', '2026-01-01T00:00:00.000Z'),
      invoiceIssued(t, 'P-1', 19_900, '2026-10-01T00:00:00.000Z', '2026-10-15T00:00:00.000Z'),
      invoicePaid(t, 'P-1', 19_900, '2026-10-05T00:00:00.000Z'),
      invoiceIssued(t, 'P-2', 19_900, '2026-11-01T00:00:00.000Z', '2026-11-15T00:00:00.000Z'),
      invoiceOverdue(t, 'P-2', 19_900, '2026-11-15T00:00:00.000Z'),
      invoiceIssued(t, 'P-3', 4_900, '2026-11-29T00:00:00.000Z', '2026-12-13T00:00:00.000Z'),
    ];
    const result = await run(t, history, {
      subject: 'Invoice shown as overdue',
      text: 'Our invoice P-2 is marked overdue although we paid it by bank transfer. Please check the payment and correct the invoice status.',
    });
    expect(result.category).toBe('billing');
    expect(result.context.invoices).toEqual({
      seen: 3,
      open: { count: 1, amount_cents: 4_900 },
      overdue: { count: 1, amount_cents: 19_900 },
      paid: { count: 1 },
      unpaid: [
        { number: 'P-2', amount_cents: 19_900, standing: 'overdue', due_at: '2026-11-15T00:00:00.000Z' },
        { number: 'P-3', amount_cents: 4_900, standing: 'open', due_at: '2026-12-13T00:00:00.000Z' },
      ],
    });
    expect(result.reply.body).toContain(
      'Your account has 1 open invoice and 1 overdue invoice: P-2 (199.00 EUR, overdue, due 2026-11-15), P-3 (49.00 EUR, open, due 2026-12-13).',
    );
    expect(result.reply.body).toContain('Your account is on the Pro plan (active, billed monthly), at 199.00 EUR a month.');
    // no scored word once "please" counts as a topic word: neutral; billing 1 + 1 overdue invoice 1 + Pro's priority support 1 = 3: normal
    expect(result.figures.sentiment).toMatchObject({ sentiment: 'neutral', score: 0 });
    expect(result.figures.priority).toEqual({
      points: 3,
      rules: [
        { rule: 'category billing', points: 1 },
        { rule: '1 overdue invoice(s)', points: 1 },
        { rule: 'Pro includes priority support', points: 1 },
      ],
    });
    expect(result.priority).toBe('normal');
  });

  it('when a German ticket reports failing calls while an alert fires, then it is api_errors in de, urgent, quoting the errors and the alert', async () => {
    const t = 'ten_de';
    const history = [
      subscribed(t, 'pro', '2026-01-01T00:00:00.000Z'),
      usage(t, '2026-11-30', 400, { errors: 100, route: '/api/v1/orders' }),
      alertFired({ slo: 'availability', service: 'tenants', tenantId: t, severity: 'page' }, '2026-11-30T13:00:00.000Z'),
    ];
    const result = await run(t, history, {
      subject: 'Fehler 500 bei jeder Anfrage',
      text: 'Seit heute Mittag liefert fast jede Anfrage an die API den Fehler 500. Unsere Produktion steht still, bitte dringend prüfen!',
    });
    expect(result).toMatchObject({ category: 'api_errors', language: 'de', priority: 'urgent' });
    expect(result.figures.language.confidence).toBeGreaterThan(0.5);
    // German AFINN list: "still" +2 (its translation of "quiet"), "dringend" −1 → +1, neutral (a word list's limit, kept visible)
    expect(result.figures.sentiment).toMatchObject({ sentiment: 'neutral', score: 1, lexicon: 'de' });
    // api_errors 2 + "produktion", "dringend" 2 + an alert firing 1 + Pro 1 = 6: urgent
    expect(result.figures.priority).toEqual({
      points: 6,
      rules: [
        { rule: 'category api_errors', points: 2 },
        { rule: 'urgent words: produktion, dringend', points: 2 },
        { rule: '1 alert(s) firing', points: 1 },
        { rule: 'Pro includes priority support', points: 1 },
      ],
    });
    expect(result.reply.body).toContain(
      'Since 2026-11-24, 100 of your 400 calls (25 %) failed on our side with a 5xx answer, most of them on GET /api/v1/orders (100 of its 400 calls).',
    );
    expect(result.reply.body).toContain('1 alert firing for your account: availability on tenants (page, since 2026-11-30T13:00:00.000Z)');
    expect(result.reply.body).toContain("Your plan's availability target is 99.9 %");
  });

  it('when the read models hold nothing for the tenant, then the ticket is still triaged and the reply says what is not on record', async () => {
    const result = await run('ten_empty', [], {
      subject: 'Dark mode',
      text: 'It would be great to have a dark mode in the console. Is it on the roadmap?',
    });
    expect(result).toMatchObject({ category: 'feature_request', priority: 'low' });
    expect(result.context).toEqual({
      plan: null,
      invoices: { seen: 0, open: { count: 0, amount_cents: 0 }, overdue: { count: 0, amount_cents: 0 }, paid: { count: 0 }, unpaid: [] },
      usage: expect.objectContaining({ days_with_data: 0, requests: 0, errors: 0, rate_limited: 0, busiest_day: null }),
      alerts: { seen: 0, firing: [] },
    });
    expect(result.reply.body).toContain('We have passed your suggestion to the product team');
  });

  it('when no subscription event was seen, then the plan the task was queued under gives the limits, and says so', async () => {
    const result = await run(
      'ten_new',
      [],
      { subject: 'Rate limit', text: 'What is our rate limit per minute? We get 429 answers.' },
      { planId: 'pro' },
    );
    expect(result.context.plan).toMatchObject({ plan_id: 'pro', source: 'task', status: null, requests_per_minute: 100 });
  });

  it('when a task triages a ticket, then the ticket is recorded once for the tenant, even when the task runs again', async () => {
    let models: ReadModels | undefined;
    const keep = async (m: ReadModels) => void (models = m);
    const parameters = { subject: 'Cannot log in', text: 'I cannot log in, the password reset mail never arrives.' };
    const first = await run('ten_acc', [], parameters, { seed: keep, taskId: 'tsk_0001' });
    const ticket = await models?.tickets.findById('ten_acc', first.inputs.ticket_id);
    expect(ticket).toMatchObject({
      task_id: 'tsk_0001',
      subject: 'Cannot log in',
      category: 'account_access',
      triaged_at: NOW,
      reply_draft: first.reply.body,
    });
    expect(first.inputs.ticket_id).toBe('stk_0001');
    expect(await models?.tickets.findById('ten_other', first.inputs.ticket_id)).toBeNull();
  });

  it.each([
    [{ text: 'no subject' }, 'subject'],
    [{ subject: 'x', text: '   ' }, 'text'],
    [{ subject: 'x', text: 'y', contact: { email: 'not-an-email' } }, 'contact.email'],
    [{ subject: 'x', text: 'y', lookback_days: 0 }, 'lookback_days'],
    [{ subject: 'x', text: 'y', priority: 'high' }, ''],
  ])('when the parameters are %j, then they are refused naming %s', (parameters, field) => {
    const parsed = automateSupport.parameters.safeParse(parameters);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
