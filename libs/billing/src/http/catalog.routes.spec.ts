import { ConfigError, loadPlatformConfig } from '@tenantry/config';
import { comparePlansSchema, planViewSchema } from '@tenantry/contracts';
import { openPlatform } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';
import { uniqueName } from '@tenantry/testing';
import { z } from 'zod';
import { startBilling } from '../billing-service';
import { ADMIN, startBillingHarness, TEST_INTERNAL_SECRET, type BillingHarness } from '../test-support/billing-harness';
import { expectProblem } from './test-support/route-calls';

const GB = 1024 ** 3;
const planList = z.object({ items: z.array(planViewSchema) });

describe('billing catalog: GET /plans, /plans/{id}, /compare-plans (public)', () => {
  let h: BillingHarness;
  beforeAll(async () => {
    h = await startBillingHarness();
  });
  afterAll(() => h.close());

  it('when anyone lists the plans without an identity, then the three plans come by rank with the prices of MISSION §4 in cents', async () => {
    const reply = await h.call(null, 'GET', '/api/v1/monetization/plans');
    expect(reply.status).toBe(200);
    const { items } = planList.parse(reply.body);
    expect(items.map((plan) => [plan.id, plan.rank, plan.currency, plan.prices.monthly, plan.prices.annual])).toEqual([
      ['basic', 1, 'EUR', 4_900, 49_000],
      ['pro', 2, 'EUR', 19_900, 199_000],
      ['enterprise', 3, 'EUR', 99_900, 999_000],
    ]);
  });

  it('when the plans are listed, then each shows what a year on the annual price saves against twelve monthly payments', async () => {
    const { items } = planList.parse((await h.call(null, 'GET', '/api/v1/monetization/plans')).body);
    // basic: 4 900 × 12 − 49 000 = 9 800 of 58 800 (16.67 %); pro: 238 800 − 199 000 = 39 800; enterprise: 1 198 800 − 999 000 = 199 800.
    expect(items.map((plan) => [plan.id, plan.annual_savings])).toEqual([
      ['basic', { cents: 9_800, percent: 16.7 }],
      ['pro', { cents: 39_800, percent: 16.7 }],
      ['enterprise', { cents: 199_800, percent: 16.7 }],
    ]);
  });

  it('when the plans are listed, then limits, features, SLA and overage price are those of the catalog', async () => {
    const { items } = planList.parse((await h.call(null, 'GET', '/api/v1/monetization/plans')).body);
    const [basic, pro, enterprise] = items;
    expect(basic).toMatchObject({
      name: 'Basic',
      limits: { api_calls_per_day: 1_000, requests_per_minute: 10, users: 5, storage_bytes: 1 * GB },
      features: [],
      sla_target_percent: null,
      overage_per_thousand_calls_cents: 500,
    });
    expect(pro).toMatchObject({
      name: 'Pro',
      limits: { api_calls_per_day: 10_000, requests_per_minute: 100, users: 50, storage_bytes: 10 * GB },
      features: ['ai_assistant', 'advanced_analytics', 'priority_support', 'custom_domain'],
      sla_target_percent: 99.9,
      overage_per_thousand_calls_cents: 300,
    });
    expect(enterprise).toMatchObject({
      name: 'Enterprise',
      limits: { api_calls_per_day: 'unlimited', requests_per_minute: 'unlimited', users: 'unlimited', storage_bytes: 'unlimited' },
      sla_target_percent: 99.99,
      overage_per_thousand_calls_cents: null,
    });
    expect([...(enterprise?.features ?? [])].sort()).toEqual(
      [
        'advanced_analytics',
        'ai_assistant',
        'custom_domain',
        'custom_integrations',
        'dedicated_support',
        'priority_support',
        'white_label',
      ].sort(),
    );
  });

  it('when one plan is read by id, then it is the same view as in the list', async () => {
    const list = planList.parse((await h.call(null, 'GET', '/api/v1/monetization/plans')).body);
    const reply = await h.call(null, 'GET', '/api/v1/monetization/plans/pro');
    expect(reply.status).toBe(200);
    expect(planViewSchema.parse(reply.body)).toEqual(list.items.find((plan) => plan.id === 'pro'));
  });

  it.each([
    ['a plan that does not exist', 'gold'],
    ['a plan id in another case', 'PRO'],
  ])('when %s is read, then 404 naming the plans there are', async (_case, planId) => {
    const reply = await h.call(null, 'GET', `/api/v1/monetization/plans/${planId}`);
    expectProblem(reply, 404, 'not-found');
    expect(reply.body.detail).toContain(planId);
    for (const existing of ['basic', 'pro', 'enterprise']) expect(reply.body.detail).toContain(existing);
  });

  it('when the plans are compared, then each plan has one column, lowest rank first', async () => {
    const reply = await h.call(null, 'GET', '/api/v1/monetization/compare-plans');
    expect(reply.status).toBe(200);
    const compared = comparePlansSchema.parse(reply.body);
    expect(compared.currency).toBe('EUR');
    expect(compared.plans).toEqual([
      { id: 'basic', name: 'Basic', rank: 1 },
      { id: 'pro', name: 'Pro', rank: 2 },
      { id: 'enterprise', name: 'Enterprise', rank: 3 },
    ]);
  });

  it('when the plans are compared, then the rows give prices, savings, limits ("unlimited" for enterprise), every feature as a boolean, the SLA and the overage price', async () => {
    const compared = comparePlansSchema.parse((await h.call(null, 'GET', '/api/v1/monetization/compare-plans')).body);
    const rows = Object.fromEntries(compared.rows.map((row) => [row.key, [row.kind, row.values]]));
    expect(rows).toEqual({
      'price.monthly': ['price', { basic: 4_900, pro: 19_900, enterprise: 99_900 }],
      'price.annual': ['price', { basic: 49_000, pro: 199_000, enterprise: 999_000 }],
      'saving.annual': ['saving', { basic: 9_800, pro: 39_800, enterprise: 199_800 }],
      'saving.annual_percent': ['saving', { basic: 16.7, pro: 16.7, enterprise: 16.7 }],
      'limit.api_calls_per_day': ['limit', { basic: 1_000, pro: 10_000, enterprise: 'unlimited' }],
      'limit.requests_per_minute': ['limit', { basic: 10, pro: 100, enterprise: 'unlimited' }],
      'limit.users': ['limit', { basic: 5, pro: 50, enterprise: 'unlimited' }],
      'limit.storage_bytes': ['limit', { basic: 1 * GB, pro: 10 * GB, enterprise: 'unlimited' }],
      'feature.ai_assistant': ['feature', { basic: false, pro: true, enterprise: true }],
      'feature.advanced_analytics': ['feature', { basic: false, pro: true, enterprise: true }],
      'feature.priority_support': ['feature', { basic: false, pro: true, enterprise: true }],
      'feature.custom_domain': ['feature', { basic: false, pro: true, enterprise: true }],
      'feature.white_label': ['feature', { basic: false, pro: false, enterprise: true }],
      'feature.dedicated_support': ['feature', { basic: false, pro: false, enterprise: true }],
      'feature.custom_integrations': ['feature', { basic: false, pro: false, enterprise: true }],
      'sla.target_percent': ['sla', { basic: null, pro: 99.9, enterprise: 99.99 }],
      'overage.per_thousand_calls': ['overage', { basic: 500, pro: 300, enterprise: null }],
    });
    for (const row of compared.rows) expect(row.label).toEqual(expect.any(String));
  });

  it.each(['/plans', '/plans/basic', '/compare-plans'])(
    'when %s is read, then shared caches may keep it for five minutes',
    async (path) => {
      const reply = await h.call(null, 'GET', `/api/v1/monetization${path}`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
      expect(reply.headers.get('content-type')).toContain('application/json');
    },
  );

  it('when the catalog is read with an identity, then the answer is the same as without', async () => {
    const anonymous = await h.call(null, 'GET', '/api/v1/monetization/compare-plans');
    const admin = await h.call(ADMIN, 'GET', '/api/v1/monetization/compare-plans');
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(anonymous.body);
  });
});

describe('billing catalog with BILLING_OVERAGE_PRICES', () => {
  it("when an operator overrides the overage price of pro and turns off basic's, then the plans and the comparison show the prices in force", async () => {
    const h = await startBillingHarness({ serviceEnv: { BILLING_OVERAGE_PRICES: '{"pro":250,"basic":null}' } });
    try {
      const { items } = planList.parse((await h.call(null, 'GET', '/api/v1/monetization/plans')).body);
      expect(items.map((plan) => [plan.id, plan.overage_per_thousand_calls_cents])).toEqual([
        ['basic', null],
        ['pro', 250],
        ['enterprise', null],
      ]);
      expect((await h.call(null, 'GET', '/api/v1/monetization/plans/pro')).body).toMatchObject({ overage_per_thousand_calls_cents: 250 });
      const compared = comparePlansSchema.parse((await h.call(null, 'GET', '/api/v1/monetization/compare-plans')).body);
      expect(compared.rows.find((row) => row.key === 'overage.per_thousand_calls')?.values).toEqual({
        basic: null,
        pro: 250,
        enterprise: null,
      });
    } finally {
      await h.close();
    }
  });

  it.each([
    ['not JSON', 'pro=250'],
    ['a plan that does not exist', '{"gold":100}'],
    ['a negative price', '{"pro":-1}'],
    ['a fraction of a cent', '{"pro":2.5}'],
  ])('when the value is %s, then billing does not start and the config error names the variable', async (_case, value) => {
    const logger = createLogger({ service: 'billing', level: 'silent' });
    const platform = await openPlatform(
      loadPlatformConfig({ LOG_LEVEL: 'silent', INTERNAL_SECRET: TEST_INTERNAL_SECRET, TENANTRY_MODE: 'embedded' }),
      logger,
      uniqueName('billing-config-test'),
    );
    try {
      const starting = startBilling(platform, logger, {
        env: { ENABLE_BILLING_SCHEDULER: 'false', BILLING_OVERAGE_PRICES: value },
        urlOf: () => 'http://127.0.0.1:1',
      });
      await expect(starting).rejects.toBeInstanceOf(ConfigError);
      await expect(starting).rejects.toMatchObject({
        variables: ['BILLING_OVERAGE_PRICES'],
        message: expect.stringContaining('BILLING_OVERAGE_PRICES'),
      });
    } finally {
      await platform.close();
    }
  });
});
