import type { PlanId } from '@tenantry/contracts';

/** Tasks of one tenant running at once, across every worker replica, by plan (basic cannot queue, but an admin can for it). */
export const DEFAULT_PLAN_CONCURRENCY: Readonly<Record<PlanId, number>> = { basic: 1, pro: 2, enterprise: 8 };

export function concurrencyOf(planId: PlanId | undefined, limits: Readonly<Record<PlanId, number>> = DEFAULT_PLAN_CONCURRENCY): number {
  return limits[planId ?? 'basic'];
}
