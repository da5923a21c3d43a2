import { lowestPlanWith } from '@tenantry/contracts';
import { route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { AnyAction } from '../actions/action';

export const capabilitiesSchema = z
  .object({
    actions: z.array(
      z.object({
        action: z.string(),
        summary: z.string(),
        /** JSON Schema of `parameters` for POST /tasks. */
        parameters_schema: z.record(z.string(), z.unknown()),
        required_feature: z.string(),
        /** The lowest plan that has the feature. */
        required_plan: z.string().nullable(),
        reads: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'AssistantCapabilities' });

/** GET /capabilities: what the assistant can do, what each action takes and needs, and what it reads. */
export function capabilitiesRoutes(actions: ReadonlyMap<string, AnyAction>): Router {
  const body = {
    actions: [...actions.values()].map((action) => ({
      action: action.name,
      summary: action.summary,
      parameters_schema: z.toJSONSchema(action.parameters, { io: 'input' }) as Record<string, unknown>,
      required_feature: action.requiredFeature,
      required_plan: lowestPlanWith(action.requiredFeature)?.id ?? null,
      reads: [...action.reads],
    })),
  };
  const router = Router();
  router.get(
    '/capabilities',
    route(
      {
        doc: { summary: 'The actions, each with its parameter schema, the plan it needs and what it reads', response: capabilitiesSchema },
      },
      () => body,
    ),
  );
  return router;
}
