import { comparePlansSchema, NotFoundError, PLAN_CATALOG, planIdSchema, plansByRank, planViewSchema } from '@tenantry/contracts';
import { deploymentStatic, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { comparePlans, toPlanView } from '../catalog/plan-views';
import type { Pricing } from '../domain';

/** `GET /plans`, `/plans/{id}`, `/compare-plans`: the public catalog (no identity needed). */
export function catalogRoutes(pricing: Pricing): Router {
  const router = Router();
  router.get(
    '/plans',
    deploymentStatic,
    route(
      {
        doc: {
          summary: 'The plans, lowest rank first: prices in cents, limits, features, SLA, overage price',
          public: true,
          response: z.object({ items: z.array(planViewSchema) }),
        },
      },
      () => ({ items: plansByRank().map((plan) => toPlanView(plan, pricing)) }),
    ),
  );
  router.get(
    '/plans/:plan_id',
    deploymentStatic,
    route(
      { params: z.object({ plan_id: z.string().max(64) }), doc: { summary: 'One plan', public: true, response: planViewSchema } },
      ({ params }) => {
        const planId = planIdSchema.safeParse(params.plan_id);
        if (!planId.success)
          throw new NotFoundError(`Plan ${params.plan_id} does not exist; the plans are ${Object.keys(PLAN_CATALOG).join(', ')}.`);
        return toPlanView(PLAN_CATALOG[planId.data], pricing);
      },
    ),
  );
  router.get(
    '/compare-plans',
    deploymentStatic,
    route(
      {
        doc: {
          summary: 'The plans side by side, one row per price, saving, limit, feature and SLA (what a pricing page renders)',
          public: true,
          response: comparePlansSchema,
        },
      },
      () => comparePlans(pricing),
    ),
  );
  return router;
}
