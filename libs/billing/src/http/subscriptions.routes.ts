import {
  cancelSubscriptionRequestSchema,
  changeSubscriptionRequestSchema,
  invoiceViewSchema,
  subscribeRequestSchema,
  subscriptionChangeResultSchema,
  subscriptionViewSchema,
  tenantIdSchema,
  tenantScopeQuery,
  upcomingInvoiceSchema,
  type SubscriptionChangeResult,
} from '@tenantry/contracts';
import {
  decodeCursor,
  encodeCursor,
  identityOf,
  pageSchema,
  paginationQuery,
  route,
  type IdempotentWrapper,
  type RouteHandler,
} from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { Subscriptions } from '../subscriptions/subscriptions';
import { ownerOf, tenantInScope } from './tenant-scope';

const subscriptionParams = z.object({ subscription_id: z.string().min(1).max(64) });
/** `?preview=true` answers what the change would do, writing nothing. */
export const previewQuery = z.strictObject({
  preview: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

/**
 * `POST /subscribe`, `GET /subscriptions`, `/subscriptions/{id}`, `/subscriptions/{id}/upcoming-invoice`,
 * `POST /subscriptions/{id}/change` and `/cancel`, `DELETE /subscriptions/{id}/pending-change`.
 */
export function subscriptionRoutes(deps: { subscriptions: Subscriptions; idempotent: IdempotentWrapper }): Router {
  const { subscriptions, idempotent } = deps;
  const router = Router();
  const owner = (req: Parameters<typeof identityOf>[0], subscriptionId: string) =>
    ownerOf(identityOf(req), () => subscriptions.tenantOf(subscriptionId), `Subscription ${subscriptionId}`);

  router.post(
    '/subscribe',
    route(
      {
        query: tenantScopeQuery,
        body: subscribeRequestSchema,
        doc: {
          summary:
            'Subscribe: end the trial now on a plan and interval, or start a paid subscription (first invoice issued at once; the admin names the tenant with ?tenant_id=)',
          status: 201,
          idempotent: true,
          response: z.object({ subscription: subscriptionViewSchema, invoice: invoiceViewSchema }),
        },
      },
      idempotent(async ({ query, body }, req, res) => {
        const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
        const created = await subscriptions.subscribe(tenantId, body);
        res.status(201).location(`/api/v1/monetization/subscriptions/${created.subscription.id}`);
        return created;
      }),
    ),
  );

  router.get(
    '/subscriptions',
    route(
      {
        query: paginationQuery.extend({ tenant_id: tenantIdSchema.optional() }).strict(),
        doc: {
          summary: "The tenant's subscriptions, newest first (the admin names the tenant)",
          response: pageSchema(subscriptionViewSchema),
        },
      },
      async ({ query }, req) => {
        const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
        const all = await subscriptions.list(tenantId);
        const after = query.cursor ? decodeCursor(query.cursor, z.object({ after: z.string() })).after : undefined;
        const start = after === undefined ? 0 : all.findIndex((subscription) => subscription.id === after) + 1;
        const items = all.slice(start, start + query.limit);
        const last = items.at(-1);
        return { items, next_cursor: start + query.limit < all.length && last ? encodeCursor({ after: last.id }) : null };
      },
    ),
  );

  router.get(
    '/subscriptions/:subscription_id',
    route(
      {
        params: subscriptionParams,
        doc: { summary: 'One subscription: status, current period, pending change', response: subscriptionViewSchema },
      },
      async ({ params }, req) => subscriptions.get(await owner(req, params.subscription_id), params.subscription_id),
    ),
  );

  router.get(
    '/subscriptions/:subscription_id/upcoming-invoice',
    route(
      {
        params: subscriptionParams,
        doc: { summary: 'The draft of what the period end (or trial end) will bill as things stand', response: upcomingInvoiceSchema },
      },
      async ({ params }, req) => subscriptions.upcomingInvoice(await owner(req, params.subscription_id), params.subscription_id),
    ),
  );

  // A preview writes nothing, so it takes no Idempotency-Key: a key must never make a preview the answer to the change.
  const changeSchemas = {
    params: subscriptionParams,
    query: previewQuery,
    body: changeSubscriptionRequestSchema,
    doc: {
      summary:
        'Change plan or interval: upgrades at once (prorated to the second), downgrades at the period end or at once with a credit note; ?preview=true bills nothing',
      idempotent: true,
      response: subscriptionChangeResultSchema,
    },
  };
  const change: RouteHandler<typeof changeSchemas, SubscriptionChangeResult> = async ({ params, query, body }, req) =>
    subscriptions.change(await owner(req, params.subscription_id), params.subscription_id, body, query.preview);
  const idempotentChange = idempotent(change);
  router.post(
    '/subscriptions/:subscription_id/change',
    route(changeSchemas, (input, req, res) => (input.query.preview ? change(input, req, res) : idempotentChange(input, req, res))),
  );

  router.post(
    '/subscriptions/:subscription_id/cancel',
    route(
      {
        params: subscriptionParams,
        body: cancelSubscriptionRequestSchema,
        doc: {
          summary: 'Cancel now (prorated credit note) or at the period end',
          idempotent: true,
          response: z.object({ subscription: subscriptionViewSchema, credit_note: invoiceViewSchema.nullable() }),
        },
      },
      idempotent(async ({ params, body }, req) =>
        subscriptions.cancel(await owner(req, params.subscription_id), params.subscription_id, body),
      ),
    ),
  );

  router.delete(
    '/subscriptions/:subscription_id/pending-change',
    route(
      {
        params: subscriptionParams,
        doc: {
          summary: 'Withdraw the scheduled downgrade, interval change or cancellation',
          idempotent: true,
          response: z.object({ subscription: subscriptionViewSchema }),
        },
      },
      idempotent(async ({ params }, req) => ({
        subscription: await subscriptions.withdrawPendingChange(await owner(req, params.subscription_id), params.subscription_id),
      })),
    ),
  );
  return router;
}
