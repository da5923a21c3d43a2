import type { DailyTotals } from '../daily-series';
import { optimizeCostsParameters, rightSize } from './optimize-costs';

const series = (requests: number[]): DailyTotals[] =>
  requests.map((count, i) => ({
    day: `2026-11-${String(i + 1).padStart(2, '0')}`,
    requests: count,
    errors: 0,
    rate_limited: 0,
    cache_hits: 0,
  }));
const params = (overrides: Record<string, unknown> = {}) => optimizeCostsParameters.parse(overrides);

describe('optimize_costs', () => {
  it('when a monthly pro tenant peaks at 600 calls a day, then basic is recommended: €2,388/yr → €490/yr saves 189,800 cents, losing pro features', () => {
    const result = rightSize({ series: series([300, 600, 450]), plan_id: 'pro', interval: 'monthly' }, params());
    // needed = ceil(600 × 1.2) = 720 ≤ basic's 1,000; pro monthly × 12 = 238,800; basic annual = 49,000
    expect(result.figures).toMatchObject({ peak_requests_per_day: 600, needed_daily_quota: 720, mean_requests_per_day: 450 });
    expect(result.recommendation).toMatchObject({
      action: 'downgrade',
      plan_id: 'basic',
      current_yearly_cents: 238_800,
      recommended_yearly_cents: 49_000,
      annual_savings_cents: 189_800,
      annual_billing_savings_cents: 39_800,
      features_lost: ['ai_assistant', 'advanced_analytics', 'priority_support', 'custom_domain'],
    });
  });

  it('when the tenant requires ai_assistant, then it keeps pro and the saving is annual billing alone (39,800 cents)', () => {
    const result = rightSize(
      { series: series([300, 600]), plan_id: 'pro', interval: 'monthly' },
      params({ required_features: ['ai_assistant'] }),
    );
    expect(result.recommendation).toMatchObject({ action: 'keep', plan_id: 'pro', annual_savings_cents: 39_800, features_lost: [] });
  });

  it('when a basic tenant needs 9,000 calls a day, then only enterprise carries 10,800 with headroom, and basic shows its overage', () => {
    const result = rightSize({ series: series([9_000]), plan_id: 'basic', interval: 'annual' }, params());
    expect(result.recommendation).toMatchObject({
      action: 'upgrade',
      plan_id: 'enterprise',
      current_yearly_cents: 49_000,
      recommended_yearly_cents: 999_000,
      annual_savings_cents: -950_000,
    });
    // 8,000 calls over basic's quota a day × 30.4375 = 243,500 a month; at 500 cents per 1,000 = 121,750 cents
    const basic = result.figures.plans.find((plan) => plan.plan_id === 'basic');
    expect(basic).toMatchObject({
      fits_peak_with_headroom: false,
      days_over_quota: 1,
      calls_over_quota_per_month: 243_500,
      overage_per_month_cents: 121_750,
    });
    expect(result.figures.plans.find((plan) => plan.plan_id === 'enterprise')).toMatchObject({
      overage_per_month_cents: null,
      fits_peak_with_headroom: true,
    });
  });

  it('when there is no usage yet, then it recommends keeping the plan and still shows what annual billing saves', () => {
    const result = rightSize({ series: [], plan_id: 'pro', interval: 'monthly' }, params());
    expect(result.recommendation).toMatchObject({ action: 'keep', plan_id: 'pro', annual_billing_savings_cents: 39_800 });
    expect(result.recommendation.reason).toContain('No usage');
  });
});
