import type { ServerResponse } from 'node:http';
import { createLogger } from '@tenantry/telemetry';
import { answer, fakeModel, type ChatRequest } from '../test-support/fake-model';
import { llmPhraser } from './phraser';
import { redactSecrets } from './redact-secrets';

/** Rewords the way a model would, keeping the numbers: the text after the prompt's last "…:" line, prefixed. */
const rewordKeepingNumbers = (body: ChatRequest, res: ServerResponse) => {
  const prompt = body.messages[1]?.content ?? '';
  answer(res, `Reworded: ${prompt.slice(prompt.lastIndexOf(':\n\n') + 3)}`);
};

const logger = createLogger({ service: 'test', level: 'silent' });
const INTERNAL_SECRET = 'internal-secret-0123456789-abcdefghijk';
const LLM_KEY = 'sk-test-llm-key-0123456789abcdef';
const ticketResult = () => ({
  inputs: {
    subject: 'Key tnt_acme_9f8e7d6c5b4a leaked?',
    text: `Our key tnt_acme_9f8e7d6c5b4a3f2e1d0c and Authorization: Bearer abc.def.ghi were pasted here, write to ops@acme.example. Also ${INTERNAL_SECRET}.`,
  },
  language: 'de',
  summary: 'high account access ticket, negative tone, in de: "Key leaked?".',
  reply: {
    language: 'en',
    body: 'Hello,\n\nYour account has 1 overdue invoice: P-2 (199.00 EUR, overdue, due 2026-11-15).',
    facts_used: [],
  },
  context: { invoices: { overdue: { count: 1 } } },
  phrasing: { by: 'built_in', model: null, fallback_reason: null },
});

describe('LLM phrasing', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (respond: Parameters<typeof fakeModel>[0]) => {
    const model = await fakeModel(respond);
    servers.push(model);
    return model;
  };
  const phraserFor = (baseUrl: string, timeoutMs = 5_000) =>
    llmPhraser({ baseUrl, apiKey: LLM_KEY, model: 'test-model', timeoutMs }, { knownSecrets: [INTERNAL_SECRET], logger });

  it('when the model answers keeping every number, then the summary and reply are its wording, the figures untouched, and the result says so', async () => {
    const model = await start(rewordKeepingNumbers);
    const built = ticketResult();
    const phrased = (await phraserFor(model.baseUrl).phrase('automate_support', built)) as ReturnType<typeof ticketResult>;
    expect(phrased.phrasing).toEqual({ by: 'llm', model: 'test-model', fallback_reason: null });
    expect(phrased.reply.body).toBe(`Reworded: ${built.reply.body}`);
    expect(phrased.reply.language).toBe('de');
    expect(phrased.summary).toMatch(/^Reworded: /);
    expect(phrased.context).toEqual(built.context);
    expect(built.phrasing.by).toBe('built_in'); // the cached result is not changed
    expect(model.requests).toHaveLength(2);
    expect(model.requests.map((r) => [r.path, r.authorization, r.body.model])).toEqual([
      ['/v1/chat/completions', `Bearer ${LLM_KEY}`, 'test-model'],
      ['/v1/chat/completions', `Bearer ${LLM_KEY}`, 'test-model'],
    ]);
    expect(model.requests[1]?.body.messages[1]?.content).toContain('language with ISO 639-1 code "de"');
  });

  it('when texts hold API keys, tokens, secrets and e-mail addresses, then none of them reaches the model', async () => {
    const model = await start(rewordKeepingNumbers);
    await phraserFor(model.baseUrl).phrase('automate_support', ticketResult());
    const sent = model.requests.map((r) => r.raw).join('\n');
    for (const secret of ['tnt_acme_9f8e7d6c5b4a', 'abc.def.ghi', 'ops@acme.example', INTERNAL_SECRET, LLM_KEY])
      expect(sent).not.toContain(secret);
    expect(sent).toContain('[api key]');
    expect(sent).toContain('Bearer [token]');
    expect(sent).toContain('[email]');
    expect(sent).toContain('[secret]');
  });

  it.each([
    [
      'answers 500',
      (_body: ChatRequest, res: ServerResponse) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}'),
      'the model answered 500',
    ],
    ['answers without text', (_body: ChatRequest, res: ServerResponse) => answer(res, '   '), 'the model answered without text'],
    ['changes a figure', (_body: ChatRequest, res: ServerResponse) => answer(res, 'You owe 250 EUR.'), 'numbers the figures do not (250)'],
    [
      'drops a figure',
      (_body: ChatRequest, res: ServerResponse) => answer(res, 'You have an overdue invoice.'),
      'left out numbers of the figures',
    ],
  ])('when the model %s, then the built-in wording stays and the result says why', async (_name, respond, reason) => {
    const model = await start(respond);
    const built = ticketResult();
    const phrased = (await phraserFor(model.baseUrl).phrase('automate_support', built)) as ReturnType<typeof ticketResult>;
    expect(phrased.phrasing).toEqual({ by: 'built_in', model: 'test-model', fallback_reason: expect.stringContaining(reason) });
    expect(phrased.reply.body).toBe(built.reply.body);
    expect(phrased.summary).toBe(built.summary);
  });

  it('when the model is slower than the timeout, then the built-in wording is used without waiting for it', async () => {
    const pending: ServerResponse[] = [];
    const model = await start((_body, res) => void pending.push(res)); // never answers on its own
    const phrased = (await phraserFor(model.baseUrl, 200).phrase('automate_support', ticketResult())) as ReturnType<typeof ticketResult>;
    expect(phrased.phrasing).toEqual({ by: 'built_in', model: 'test-model', fallback_reason: 'the model did not answer within 200 ms' });
    for (const res of pending) answer(res, 'too late');
  });

  it('when nothing listens at the endpoint, then the built-in wording is used', async () => {
    const model = await start(rewordKeepingNumbers);
    const baseUrl = model.baseUrl;
    await servers.splice(0)[0]?.close();
    const phrased = (await phraserFor(baseUrl).phrase('predict_churn', { score: 38, summary: 'Churn risk 38/100 (medium).' })) as Record<
      string,
      unknown
    >;
    expect(phrased).toMatchObject({
      score: 38,
      summary: 'Churn risk 38/100 (medium).',
      phrasing: { by: 'built_in', fallback_reason: expect.stringContaining('could not be reached') },
    });
  });

  it('when a result has no summary and no reply, then the model is not asked and the result is unchanged', async () => {
    const model = await start(rewordKeepingNumbers);
    const result = { next_runs: [] };
    expect(await phraserFor(model.baseUrl).phrase('schedule_tasks', result)).toBe(result);
    expect(model.requests).toHaveLength(0);
  });
});

describe('redactSecrets', () => {
  it.each([
    ['key tnt_ten1_abcDEF123', 'key [api key]'],
    ['Authorization: Bearer eyJhbGciOi.J9eyJzdWIi.OiIxMjM0NTY3', 'Authorization: Bearer [token]'],
    ['token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q', 'token [token]'],
    ['use sk-proj-ABCDEFGHIJKLMNOPQRST please', 'use [api key] please'],
    ['ghp_abcdefghijklmnopqrstuvwxyz12', '[token]'],
    ['AKIAIOSFODNN7EXAMPLE', '[access key]'],
    ['password=hunter2!, api_key: "k-123"', 'password=[redacted], api_key: "[redacted]"'],
    ['mail ana.lopez+billing@acme.example now', 'mail [email] now'],
    ['card 4111 1111 1111 1111 ok', 'card [card number] ok'],
    ['digest 0123456789abcdef0123456789abcdef', 'digest [redacted]'],
    ['invoice P-2 for 199.00 EUR due 2026-11-15, 429 on 3 days', 'invoice P-2 for 199.00 EUR due 2026-11-15, 429 on 3 days'],
  ])('when the text is %j, then %j is sent', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('when a known secret appears, then it is replaced wherever it is', () => {
    expect(redactSecrets('x the-admin-key-value-123 y the-admin-key-value-123', ['the-admin-key-value-123', 'short'])).toBe(
      'x [secret] y [secret]',
    );
  });
});
