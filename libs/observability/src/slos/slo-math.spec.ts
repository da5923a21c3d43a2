import { availability, burnRate, errorBudget } from './slo-math';

describe('SLO arithmetic', () => {
  it.each([
    // requests, 5xx, 4xx(+429) → valid, good, sli (worked by hand)
    { counts: { requests: 1000, errors: 1, client_errors: 0 }, valid: 1000, good: 999, sli: 0.999 },
    { counts: { requests: 1000, errors: 10, client_errors: 200 }, valid: 800, good: 790, sli: 0.9875 },
    { counts: { requests: 50, errors: 0, client_errors: 50 }, valid: 0, good: 0, sli: null },
    { counts: { requests: 0, errors: 0, client_errors: 0 }, valid: 0, good: 0, sli: null },
  ])(
    'when $counts.requests requests have $counts.errors 5xx and $counts.client_errors 4xx, then the SLI is $sli over $valid valid events',
    ({ counts, valid, good, sli }) => {
      const result = availability(counts);
      expect(result.valid).toBe(valid);
      expect(result.good).toBe(good);
      expect(result.sli).toBe(sli);
    },
  );

  it.each([
    // objective, valid, bad → total = (1 − objective) × valid; remaining fraction = (total − bad) / total
    { objective: 0.999, valid: 1_000_000, bad: 250, total: 1000, remaining: 750, fraction: 0.75 },
    { objective: 0.999, valid: 1_000_000, bad: 1500, total: 1000, remaining: -500, fraction: -0.5 },
    { objective: 0.9999, valid: 2_000_000, bad: 0, total: 200, remaining: 200, fraction: 1 },
    { objective: 0.99, valid: 900, bad: 20, total: 9, remaining: -11, fraction: -1.222222222 },
    // A month without traffic: nothing allowed, nothing spent, the budget is whole.
    { objective: 0.999, valid: 0, bad: 0, total: 0, remaining: 0, fraction: 1 },
  ])(
    'when $valid valid events have $bad bad ones against $objective, then the budget is $total with $remaining left ($fraction)',
    ({ objective, valid, bad, total, remaining, fraction }) => {
      expect(errorBudget(objective, { valid, bad })).toEqual({ total, consumed: bad, remaining, remaining_fraction: fraction });
    },
  );

  it.each([
    // (bad / valid) / (1 − objective)
    { objective: 0.999, valid: 1000, bad: 1, rate: 1 },
    { objective: 0.999, valid: 10_000, bad: 144, rate: 14.4 },
    { objective: 0.999, valid: 900, bad: 20, rate: 22.222222222 },
    { objective: 0.9999, valid: 100_000, bad: 6, rate: 0.6 },
    { objective: 0.999, valid: 0, bad: 0, rate: 0 },
  ])('when $bad of $valid valid events are bad against $objective, then the burn rate is $rate', ({ objective, valid, bad, rate }) => {
    expect(burnRate(objective, { valid, bad })).toBe(rate);
  });
});
