import { cancelSubscriptionRequestSchema, changeSubscriptionRequestSchema, subscribeRequestSchema, tenantIdSchema } from '@tenantry/contracts';
import { identityOf, route, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { Subscriptions } from '../subscriptions/subscriptions';
import { ownerOf, tenantInScope } from './tenant-scope';

const subscriptionParams = z.object({ subscriptionId: z.string().min(1).max(64) });
/** `?preview=true` answers what the change would do, writing nothing. */
export const previewQuery = z.strictObject({ preview: z.enum(['true', 'false']).default('false').transform((value) => value === 'true') });

/** `POST /subscribe`, `GET /subscriptions`, `/subscriptions/{id}`, `POST /subscriptions/{id}/change` and `/cancel`. */
export function subscriptionRoutes(deps: { subscriptions: Subscriptions; idempotent: IdempotentWrapper }): Router {
  const { subscriptions, idempotent } = deps;
  const router = Router();
  const owner = (req: Parameters<typeof identityOf>[0], subscriptionId: string) =>
    ownerOf(identityOf(req), () => subscriptions.tenantOf(subscriptionId), `Subscription ${subscriptionId}`);

  router.post(
    '/subscribe',
    route(
      { body: subscribeRequestSchema },
      idempotent(async ({ body }, req, res) => {
        const tenantId = tenantInScope(identityOf(req), body.tenantId, 'body.tenantId');
        const created = await subscriptions.subscribe(tenantId, body);
        res.status(201).location(`/api/v1/monetization/subscriptions/${created.subscription.id}`);
        return created;
      }),
    ),
  );

  router.get(
    '/subscriptions',
    route({ query: z.strictObject({ tenant_id: tenantIdSchema.optional() }) }, async ({ query }, req) => {
      const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
      return { items: await subscriptions.list(tenantId), nextCursor: null };
    }),
  );

  router.get(
    '/subscriptions/:subscriptionId',
    route({ params: subscriptionParams }, async ({ params }, req) => subscriptions.get(await owner(req, params.subscriptionId), params.subscriptionId)),
  );

  router.post(
    '/subscriptions/:subscriptionId/change',
    route(
      { params: subscriptionParams, query: previewQuery, body: changeSubscriptionRequestSchema },
      idempotent(async ({ params, query, body }, req) => subscriptions.change(await owner(req, params.subscriptionId), params.subscriptionId, body, query.preview)),
    ),
  );

  router.post(
    '/subscriptions/:subscriptionId/cancel',
    route(
      { params: subscriptionParams, body: cancelSubscriptionRequestSchema },
      idempotent(async ({ params, body }, req) => subscriptions.cancel(await owner(req, params.subscriptionId), params.subscriptionId, body)),
    ),
  );
  return router;
}
