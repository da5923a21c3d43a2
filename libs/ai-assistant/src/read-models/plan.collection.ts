import { billingIntervalSchema, planIdSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import type { PlanChange } from './subscription-events';

const changeSchema = z.object({
  revision: z.number().int().positive(),
  kind: z.enum(['created', 'activated', 'upgraded', 'downgraded', 'interval_changed', 'cancelled']),
  plan_id: planIdSchema,
  from_plan_id: planIdSchema.nullable(),
  interval: billingIntervalSchema,
  trialing: z.boolean(),
  effective_at: z.string(),
});

/**
 * A tenant's plan as billing's subscription events tell it: every change by revision (the history the
 * insights count), and the state of the highest revision. Applying a revision twice, or revisions in
 * any order, gives the same document.
 */
export const plansCollection = defineCollection({
  name: 'assistant_plans',
  schema: z.object({
    plan_id: planIdSchema,
    interval: billingIntervalSchema,
    status: z.enum(['trialing', 'active', 'cancelled']),
    revision: z.number().int().positive(),
    /** When the tenant's first subscription took effect (the earliest change seen). */
    since: z.string(),
    changes: z.array(changeSchema),
  }),
  indexes: [{ fields: { plan_id: 1 } }],
});

export type TenantPlan = Stored<z.output<typeof plansCollection.schema>>;
export type TenantPlanFields = z.input<typeof plansCollection.schema>;
export type PlanRepository = TenantScopedRepository<z.output<typeof plansCollection.schema>, TenantPlanFields>;

export const planDocumentId = (tenantId: string): string => `plan:${tenantId}`;

/** The document after `change`, or null when that revision was already applied. */
export function applyPlanChange(
  current: { changes: readonly z.output<typeof changeSchema>[] } | null,
  change: PlanChange,
): TenantPlanFields | null {
  const known = current?.changes ?? [];
  if (known.some((existing) => existing.revision === change.revision)) return null;
  const { tenant_id: _tenant, ...entry } = change;
  const changes = [...known, entry].sort((a, b) => a.revision - b.revision);
  const latest = changes[changes.length - 1] ?? entry;
  return {
    plan_id: latest.plan_id,
    interval: latest.interval,
    status: statusAfter(changes),
    revision: latest.revision,
    since: changes.map((c) => c.effective_at).sort()[0] ?? entry.effective_at,
    changes,
  };
}

function statusAfter(changes: ReadonlyArray<z.output<typeof changeSchema>>): 'trialing' | 'active' | 'cancelled' {
  const latest = changes[changes.length - 1];
  if (latest?.kind === 'cancelled') return 'cancelled';
  const lastStart = [...changes].reverse().find((c) => c.kind === 'created');
  const activatedAfter = changes.some((c) => c.kind !== 'created' && c.revision > (lastStart?.revision ?? 0));
  return lastStart?.trialing && !activatedAfter ? 'trialing' : 'active';
}
