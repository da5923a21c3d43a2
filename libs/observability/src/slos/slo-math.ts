/**
 * SLO arithmetic, pure. Availability SLI = good / valid: a 5xx answer is bad; 4xx answers (429
 * included) are the client's doing and are not valid events at all.
 */

export interface RequestCounts {
  requests: number;
  /** 5xx */
  errors: number;
  /** 4xx, 429 included */
  client_errors: number;
}

export interface Availability {
  valid: number;
  good: number;
  bad: number;
  /** good / valid; null without valid events (no traffic says nothing about availability). */
  sli: number | null;
}

export function availability(counts: RequestCounts): Availability {
  const valid = Math.max(0, counts.requests - counts.client_errors);
  const bad = Math.min(valid, counts.errors);
  return { valid, good: valid - bad, bad, sli: valid === 0 ? null : (valid - bad) / valid };
}

export interface ErrorBudget {
  /** Bad events the objective allows over the window: (1 − objective) × valid. */
  total: number;
  consumed: number;
  /** total − consumed (negative once overspent). */
  remaining: number;
  /** remaining / total: 1 untouched, 0 spent, negative overspent; 1 for a window without traffic (an objective of 1 with a bad event: −1). */
  remaining_fraction: number;
}

export function errorBudget(objective: number, counts: Pick<Availability, 'valid' | 'bad'>): ErrorBudget {
  const total = (1 - objective) * counts.valid;
  const remaining = total - counts.bad;
  const remaining_fraction = total > 0 ? remaining / total : counts.bad === 0 ? 1 : -1;
  return { total: round(total), consumed: counts.bad, remaining: round(remaining), remaining_fraction: round(remaining_fraction) };
}

/** How many times faster than sustainable the budget burns: (bad / valid) / (1 − objective); 0 without traffic. */
export function burnRate(objective: number, counts: Pick<Availability, 'valid' | 'bad'>): number {
  if (counts.valid === 0) return 0;
  return round(counts.bad / counts.valid / (1 - objective));
}

/** Rounded to 9 significant decimals: floating-point noise (0.1 + 0.2) stays out of answers and events. */
export function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toFixed(9)) : value;
}
