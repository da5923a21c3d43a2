import {
  changeTenantStatusRequestSchema,
  createTenantRequestSchema,
  createTenantResponseSchema,
  listTenantsFilterSchema,
  subscriptionChangeResultSchema,
  tenantFeaturesResponseSchema,
  tenantUsageResponseSchema,
  tenantViewSchema,
  updateTenantRequestSchema,
  upgradeTenantRequestSchema,
  type ChangeSubscriptionRequest,
  type UpgradeTenantRequest,
} from '@tenantry/contracts';
import {
  assertTenantAccess,
  identityOf,
  pageSchema,
  paginationQuery,
  route,
  type IdempotentWrapper,
  type RouteHandler,
} from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { noStore, requireAdmin } from '../access';
import type { BillingClient } from '../billing/billing-client';
import { entitlementsOf } from '../entitlements/entitlements';
import { usageReport } from '../usage/usage-report';
import { findTenantOrThrow } from './find-tenant';
import type { TenantRepository } from './tenant.collection';
import type { Tenants } from './tenants';

export const tenantParams = z.object({ tenant_id: z.string().min(1).max(128) });
const listTenantsQuery = listTenantsFilterSchema.extend(paginationQuery.shape);
/** `?preview=true` prices a plan change without making it. */
const upgradeQuery = z.strictObject({ preview: z.enum(['true', 'false']).optional() });
const upgradeSchemas = {
  params: tenantParams,
  query: upgradeQuery,
  body: upgradeTenantRequestSchema,
  doc: {
    summary: "Change the tenant's plan or billing interval (billing's subscription change; ?preview=true prices it without making it)",
    idempotent: true,
    response: subscriptionChangeResultSchema,
  },
};

export interface TenantRoutesDeps {
  tenants: Tenants;
  tenantRepository: TenantRepository;
  billing: BillingClient;
  idempotent: IdempotentWrapper;
  clock: () => Date;
}

/** `/api/v1/tenants`: the tenant lifecycle, plan changes, entitlements and usage. */
export function tenantRoutes(deps: TenantRoutesDeps): Router {
  const { tenants, idempotent } = deps;
  const router = Router();

  router.post(
    '/',
    requireAdmin,
    noStore, // the answer carries the first API key in plaintext
    route(
      {
        body: createTenantRequestSchema,
        doc: {
          summary: 'Create a tenant (admin); the answer carries its first API key, shown once',
          status: 201,
          idempotent: true,
          response: createTenantResponseSchema,
        },
      },
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
    route(
      {
        query: listTenantsQuery,
        doc: { summary: 'List tenants (admin), filtered by status or subscription_tier', response: pageSchema(tenantViewSchema) },
      },
      ({ query }) => tenants.list(query),
    ),
  );

  router.get(
    '/:tenant_id',
    route({ params: tenantParams, doc: { summary: 'Read a tenant', response: tenantViewSchema } }, ({ params }, req) => {
      assertTenantAccess(identityOf(req), params.tenant_id);
      return tenants.get(params.tenant_id);
    }),
  );

  router.put(
    '/:tenant_id',
    route(
      {
        params: tenantParams,
        body: updateTenantRequestSchema,
        doc: { summary: "Update a tenant's name, settings or metadata", response: tenantViewSchema },
      },
      ({ params, body }, req) => {
        assertTenantAccess(identityOf(req), params.tenant_id);
        return tenants.update(params.tenant_id, body);
      },
    ),
  );

  router.post(
    '/:tenant_id/status',
    requireAdmin,
    route(
      {
        params: tenantParams,
        body: changeTenantStatusRequestSchema,
        doc: { summary: 'Activate, suspend or cancel a tenant (admin)', response: tenantViewSchema },
      },
      ({ params, body }) => tenants.changeStatus(params.tenant_id, body),
    ),
  );

  // Plan changes are billing's (prorations, invoices): the answer is billing's, as it came. A preview
  // changes nothing, so it skips Idempotency-Key (which keys on the path without its query: a preview
  // must never be replayed as the answer to the real change that follows it with the same key).
  const upgrade: RouteHandler<typeof upgradeSchemas, unknown> = async ({ params, query, body }, req, res) => {
    assertTenantAccess(identityOf(req), params.tenant_id);
    await findTenantOrThrow(deps.tenantRepository, params.tenant_id);
    const answer = await deps.billing.changeSubscription(params.tenant_id, subscriptionChangeOf(body), {
      preview: query.preview === 'true',
    });
    res.status(answer.status);
    return answer.body;
  };
  const idempotentUpgrade = idempotent(upgrade);
  router.post(
    '/:tenant_id/upgrade',
    route(upgradeSchemas, (input, req, res) =>
      input.query.preview === 'true' ? upgrade(input, req, res) : idempotentUpgrade(input, req, res),
    ),
  );

  router.get(
    '/:tenant_id/features',
    route(
      { params: tenantParams, doc: { summary: "The tenant's plan: its limits and features", response: tenantFeaturesResponseSchema } },
      async ({ params }, req) => {
        assertTenantAccess(identityOf(req), params.tenant_id);
        return entitlementsOf(await findTenantOrThrow(deps.tenantRepository, params.tenant_id));
      },
    ),
  );

  router.get(
    '/:tenant_id/usage',
    route(
      {
        params: tenantParams,
        doc: { summary: "The tenant's API usage today and this period, against its quota", response: tenantUsageResponseSchema },
      },
      async ({ params }, req) => {
        assertTenantAccess(identityOf(req), params.tenant_id);
        const tenant = await findTenantOrThrow(deps.tenantRepository, params.tenant_id);
        return usageReport(deps.billing, tenant, deps.clock());
      },
    ),
  );

  return router;
}

/** The tenants API's names for a plan change, in billing's terms. */
function subscriptionChangeOf(request: UpgradeTenantRequest): ChangeSubscriptionRequest {
  return {
    plan_id: request.subscription_tier,
    ...(request.billing_interval === undefined ? {} : { interval: request.billing_interval }),
    ...(request.timing === undefined ? {} : { timing: request.timing }),
  };
}
