import {
  changeTenantStatusRequestSchema,
  createTenantRequestSchema,
  listTenantsFilterSchema,
  NotImplementedError,
  updateTenantRequestSchema,
  upgradeTenantRequestSchema,
} from '@tenantry/contracts';
import { assertTenantAccess, identityOf, paginationQuery, route, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { noStore, requireAdmin } from '../access';
import { entitlementsOf } from '../entitlements/entitlements';
import type { UsageMonthRepository } from '../usage/usage.collection';
import { usageReport } from '../usage/usage-report';
import { findTenantOrThrow } from './find-tenant';
import type { TenantRepository } from './tenant.collection';
import type { Tenants } from './tenants';

export const tenantParams = z.object({ tenantId: z.string().min(1).max(128) });
const listTenantsQuery = listTenantsFilterSchema.extend(paginationQuery.shape);

export interface TenantRoutesDeps {
  tenants: Tenants;
  tenantRepository: TenantRepository;
  usage: UsageMonthRepository;
  idempotent: IdempotentWrapper;
  clock: () => Date;
}

/** `/api/v1/tenants`: the tenant lifecycle, entitlements and usage. */
export function tenantRoutes(deps: TenantRoutesDeps): Router {
  const { tenants, idempotent } = deps;
  const router = Router();

  router.post(
    '/',
    requireAdmin,
    noStore, // the answer carries the first API key in plaintext
    route(
      { body: createTenantRequestSchema },
      idempotent(async ({ body }, _req, res) => {
        const created = await tenants.create(body);
        res.status(201).location(`/api/v1/tenants/${created.tenant.id}`);
        return created;
      }),
    ),
  );

  router.get(
    '/',
    requireAdmin,
    route({ query: listTenantsQuery }, ({ query }) => tenants.list(query)),
  );

  router.get(
    '/:tenantId',
    route({ params: tenantParams }, ({ params }, req) => {
      assertTenantAccess(identityOf(req), params.tenantId);
      return tenants.get(params.tenantId);
    }),
  );

  router.put(
    '/:tenantId',
    route({ params: tenantParams, body: updateTenantRequestSchema }, ({ params, body }, req) => {
      assertTenantAccess(identityOf(req), params.tenantId);
      return tenants.update(params.tenantId, body);
    }),
  );

  router.post(
    '/:tenantId/status',
    requireAdmin,
    route({ params: tenantParams, body: changeTenantStatusRequestSchema }, ({ params, body }) => tenants.changeStatus(params.tenantId, body)),
  );

  router.post(
    '/:tenantId/upgrade',
    route({ params: tenantParams, body: upgradeTenantRequestSchema }, async ({ params }, req) => {
      assertTenantAccess(identityOf(req), params.tenantId);
      await findTenantOrThrow(deps.tenantRepository, params.tenantId);
      // Plan changes are billing's (prorations, invoices; issue #4). Until it exists, say so instead of faking it.
      throw new NotImplementedError(
        'Plan changes through billing subscriptions are not available yet: the tier of a tenant cannot be changed until the billing service handles subscriptions.',
        { capability: 'plan changes through billing subscriptions' },
      );
    }),
  );

  router.get(
    '/:tenantId/features',
    route({ params: tenantParams }, async ({ params }, req) => {
      assertTenantAccess(identityOf(req), params.tenantId);
      return entitlementsOf(await findTenantOrThrow(deps.tenantRepository, params.tenantId));
    }),
  );

  router.get(
    '/:tenantId/usage',
    route({ params: tenantParams }, async ({ params }, req) => {
      assertTenantAccess(identityOf(req), params.tenantId);
      const tenant = await findTenantOrThrow(deps.tenantRepository, params.tenantId);
      return usageReport(deps.usage, tenant, deps.clock());
    }),
  );

  return router;
}
