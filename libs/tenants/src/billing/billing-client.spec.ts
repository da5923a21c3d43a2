import { ServiceUnavailableError } from '@tenantry/contracts';
import { HttpProblem } from '@tenantry/http';
import { createLogger } from '@tenantry/telemetry';
import { startFakeBilling, type FakeBilling } from '../test-support/fake-billing';
import { BillingClient } from './billing-client';

const SECRET = 'billing-client-spec-secret'.padEnd(48, 's');
const logger = createLogger({ service: 'tenants', level: 'silent' });

describe('BillingClient: the tenants service calling billing’s internal endpoints', () => {
  let billing: FakeBilling;
  beforeAll(async () => {
    billing = await startFakeBilling({ secret: SECRET });
  });
  afterAll(() => billing.close());
  beforeEach(() => {
    billing.answerChangesWith('default');
    billing.answerUsageWith('default');
  });

  const client = (options: { secret?: string; timeoutMs?: number; url?: string } = {}) =>
    new BillingClient({
      baseUrl: () => options.url ?? billing.url,
      internalSecret: options.secret ?? SECRET,
      logger,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });

  it('when usage days are asked for, then billing verifies the signature and the metered days come back parsed', async () => {
    billing.meter('ten_days', [
      { date: '2030-05-01', calls: 3 },
      { date: '2030-06-01', calls: 9 },
    ]);
    expect(await client().usageDays('ten_days', { from: '2030-05-01', to: '2030-05-31' })).toEqual({
      tenantId: 'ten_days',
      days: [{ date: '2030-05-01', calls: 3 }],
    });
  });

  it('when a subscription change succeeds, then its status and body come back as billing sent them', async () => {
    const answer = await client().changeSubscription('ten_change', { plan_id: 'pro' }, { preview: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ preview: false, subscription: { tenant_id: 'ten_change', plan_id: 'pro' } });
  });

  it('when billing answers a problem, then it is thrown as the same problem without billing’s own instance', async () => {
    const problem = {
      type: 'https://tenantry.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No subscription for ten_none.',
      instance: '/internal/x',
      request_id: 'r-1',
    };
    billing.answerChangesWith({ status: 404, body: problem });
    const error = await client()
      .changeSubscription('ten_none', { plan_id: 'pro' }, { preview: false })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(HttpProblem);
    expect(error).toMatchObject({
      problemType: 'not-found',
      status: 404,
      title: 'Not found',
      message: 'No subscription for ten_none.',
      extensions: {},
    });
  });

  it('when the call is signed with another secret, then billing refuses it and the caller gets a 503, not a 401', async () => {
    const change = client({ secret: 'another-secret'.padEnd(48, 'x') }).changeSubscription(
      'ten_secret',
      { plan_id: 'pro' },
      { preview: false },
    );
    await expect(change).rejects.toBeInstanceOf(ServiceUnavailableError);
    const usage = client({ secret: 'another-secret'.padEnd(48, 'x') }).usageDays('ten_secret', { from: '2030-05-01', to: '2030-05-31' });
    await expect(usage).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(billing.requests.filter((request) => request.tenantId === 'ten_secret')).toHaveLength(0);
  });

  it('when billing does not answer in time, then 503 once the deadline passes', async () => {
    billing.answerChangesWith('hang');
    // Billing never answers: only the client's own deadline can end the call (else the test would hang).
    await expect(client({ timeoutMs: 200 }).changeSubscription('ten_slow', { plan_id: 'pro' }, { preview: true })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('when nothing listens at billing’s address, then 503', async () => {
    await expect(
      client({ url: 'http://127.0.0.1:1' }).usageDays('ten_down', { from: '2030-05-01', to: '2030-05-31' }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('when the tenant id needs escaping, then it stays one path segment', async () => {
    await client().usageDays('ten/../x', { from: '2030-05-01', to: '2030-05-31' });
    expect(billing.requests.at(-1)).toMatchObject({
      tenantId: 'ten/../x',
      url: '/internal/v1/tenants/ten%2F..%2Fx/usage-days?from=2030-05-01&to=2030-05-31',
    });
  });
});
