import { changeSubscriptionRequestSchema, ForbiddenError, localDateSchema } from '@tenantry/contracts';
import { identityOf, route } from '@tenantry/http';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { MAX_LEDGER_DAYS, type UsageLedger } from '../metering';
import type { Subscriptions } from '../subscriptions/subscriptions';
import { previewQuery } from './subscriptions.routes';

const DAY_MS = 86_400_000;
/** Inclusive local dates, at most MAX_LEDGER_DAYS: checked here so that the fields are named as the request names them. */
const usageDaysQuery = z
  .strictObject({ from: localDateSchema, to: localDateSchema })
  .refine(({ from, to }) => from <= to, { message: 'from must not be after to', path: ['to'] })
  .refine(({ from, to }) => (Date.parse(to) - Date.parse(from)) / DAY_MS + 1 <= MAX_LEDGER_DAYS, {
    message: `At most ${MAX_LEDGER_DAYS} days from from`,
    path: ['to'],
  });
const tenantParams = z.object({ tenantId: z.string().min(1).max(128) });

/** Internal endpoints are for platform services only (MISSION §3): never a tenant key, never the admin. */
const requireService: RequestHandler = (req, _res, next) => {
  if (identityOf(req).role !== 'service') throw new ForbiddenError('This endpoint is for platform services only.');
  next();
};

/** `/internal/v1`: the tenants service's `/upgrade` and `/usage` (paths in contracts/internal/billing.ts). */
export function internalRoutes(deps: { subscriptions: Subscriptions; ledger: UsageLedger }): Router {
  const router = Router();
  router.use(requireService);
  router.post(
    '/tenants/:tenantId/subscription/change',
    route({ params: tenantParams, query: previewQuery, body: changeSubscriptionRequestSchema }, async ({ params, query, body }) => {
      const subscriptionId = await deps.subscriptions.liveSubscriptionId(params.tenantId);
      return deps.subscriptions.change(params.tenantId, subscriptionId, body, query.preview);
    }),
  );
  router.get(
    '/tenants/:tenantId/usage-days',
    route({ params: tenantParams, query: usageDaysQuery }, async ({ params, query }) => ({
      tenantId: params.tenantId,
      days: (await deps.ledger.days(params.tenantId, query.from, query.to)).map(({ date, calls }) => ({ date, calls })),
    })),
  );
  return router;
}
