import { EXTERNAL_FORMAT, PLAN_IDS } from '@tenantry/contracts';
import { z } from 'zod';
import type { SloDefinition } from '../slo-definitions/definitions';

/**
 * SLO definitions as OpenSLO v1 `SLO` documents (https://github.com/OpenSLO/OpenSLO), JSON-encoded. Only
 * what Tenantry evaluates is accepted: ratio indicators over the gateway's request counts (availability,
 * or latency within a threshold), Occurrences budgeting, one rolling window in days, one objective.
 * Tenantry's own fields travel as `metadata.labels` (scope, plan) and the latency threshold as the
 * objective's `op`/`value` (lte, ms).
 */
const nameSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$/, 'a DNS-label-like name: lowercase letters, digits and dashes');

export const openSloDocumentSchema = z
  .object({
    apiVersion: z.literal('openslo/v1'),
    kind: z.literal('SLO'),
    metadata: z.object({
      name: nameSchema,
      displayName: z.string().max(500).optional(),
      labels: z.object({ 'tenantry.dev/scope': z.enum(['service', 'tenant']), 'tenantry.dev/plan': z.enum(PLAN_IDS).optional() }),
    }),
    spec: z.object({
      description: z.string().max(500).default(''),
      service: z.string().min(1).max(64),
      indicator: z.object({ metadata: z.object({ name: z.enum(['availability', 'latency']) }) }),
      budgetingMethod: z.literal('Occurrences'),
      timeWindow: z
        .array(z.object({ duration: z.string().regex(/^([1-9]\d?)d$/, 'whole days, e.g. 30d'), isRolling: z.literal(true) }))
        .length(1),
      objectives: z
        .array(z.object({ target: z.number().gt(0).lt(1), op: z.literal('lte').optional(), value: z.number().positive().optional() }))
        .length(1),
    }),
  })
  .superRefine((document, ctx) => {
    const latency = document.spec.indicator.metadata.name === 'latency';
    if (latency && document.spec.objectives[0]?.value === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'A latency SLO needs the threshold in ms (value, op lte)',
        path: ['spec', 'objectives', 0, 'value'],
      });
    if ((document.metadata.labels['tenantry.dev/scope'] === 'tenant') !== (document.metadata.labels['tenantry.dev/plan'] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'A tenant SLO names its plan, a service SLO none',
        path: ['metadata', 'labels', 'tenantry.dev/plan'],
      });
    }
  })
  // The standard's own field names (apiVersion, budgetingMethod, …): the one exception to snake_case, so
  // OpenSLO tooling reads and writes these documents unchanged.
  .meta({ [EXTERNAL_FORMAT]: 'OpenSLO v1' });
export type OpenSloDocument = z.output<typeof openSloDocumentSchema>;

export function toOpenSlo(definition: SloDefinition): OpenSloDocument {
  return {
    apiVersion: 'openslo/v1',
    kind: 'SLO',
    metadata: {
      name: definition.id,
      labels: { 'tenantry.dev/scope': definition.scope, ...(definition.plan_id ? { 'tenantry.dev/plan': definition.plan_id } : {}) },
    },
    spec: {
      description: definition.description,
      service: definition.service,
      indicator: { metadata: { name: definition.sli.kind } },
      budgetingMethod: 'Occurrences',
      timeWindow: [{ duration: `${definition.window_days}d`, isRolling: true }],
      objectives: [
        {
          target: definition.objective,
          ...(definition.sli.kind === 'latency' ? { op: 'lte' as const, value: definition.sli.threshold_ms } : {}),
        },
      ],
    },
  };
}

export function fromOpenSlo(document: OpenSloDocument): SloDefinition {
  const objective = document.spec.objectives[0];
  const plan = document.metadata.labels['tenantry.dev/plan'];
  return {
    id: document.metadata.name,
    scope: document.metadata.labels['tenantry.dev/scope'],
    service: document.spec.service,
    ...(plan ? { plan_id: plan } : {}),
    sli:
      document.spec.indicator.metadata.name === 'latency'
        ? { kind: 'latency', threshold_ms: objective?.value ?? 0 }
        : { kind: 'availability' },
    objective: objective?.target ?? 0,
    window_days: Number(document.spec.timeWindow[0]?.duration.slice(0, -1)),
    description: document.spec.description,
  };
}
