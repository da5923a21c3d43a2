import { NotFoundError } from '@tenantry/contracts';
import { identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { noStore } from '../access';
import type { ApiKeys } from './api-keys';

/**
 * `/internal/v1`: for platform services only (the gateway resolving keys). Anyone else gets the 404 of
 * a route that does not exist, so the endpoint does not even show up for tenants or the admin.
 */
export function internalRoutes(deps: { apiKeys: ApiKeys }): Router {
  const router = Router();
  router.use(noStore);
  router.use((req, _res, next) => {
    if (identityOf(req).role !== 'service') throw new NotFoundError(`No route for ${req.method} ${req.originalUrl.split('?')[0] ?? ''}.`);
    next();
  });

  router.get(
    '/api-keys/:keyId',
    route({ params: z.object({ keyId: z.string().min(1).max(128) }) }, ({ params }) => deps.apiKeys.resolve(params.keyId)),
  );
  return router;
}
