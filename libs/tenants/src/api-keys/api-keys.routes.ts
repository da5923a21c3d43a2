import { apiKeyViewSchema, createApiKeyRequestSchema, createdApiKeySchema, rotatedApiKeySchema } from '@tenantry/contracts';
import { assertTenantAccess, identityOf, pageSchema, paginationQuery, route, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { noStore } from '../access';
import type { ApiKeys } from './api-keys';

const tenantParams = z.object({ tenant_id: z.string().min(1).max(128) });
const keyParams = tenantParams.extend({ key_id: z.string().min(1).max(128) });
const listQuery = z.strictObject(paginationQuery.shape);

/**
 * `/api/v1/tenants/:tenant_id/api-keys`: the admin or the tenant itself. Mounted at `/api/v1/tenants`
 * with the full sub-paths (not as a router at `/:tenant_id/api-keys`), so the route label on metrics and
 * logs is the template, never a path with real ids.
 */
export function apiKeyRoutes(deps: { apiKeys: ApiKeys; idempotent: IdempotentWrapper }): Router {
  const { apiKeys, idempotent } = deps;
  const router = Router();
  router.use('/:tenant_id/api-keys', noStore);

  router.post(
    '/:tenant_id/api-keys',
    route(
      {
        params: tenantParams,
        body: createApiKeyRequestSchema,
        doc: { summary: 'Issue an API key (the key is in this answer only)', status: 201, idempotent: true, response: createdApiKeySchema },
      },
      idempotent(async ({ params, body }, req, res) => {
        const identity = identityOf(req);
        assertTenantAccess(identity, params.tenant_id);
        const created = await apiKeys.issue(identity, params.tenant_id, body);
        res.status(201).location(`/api/v1/tenants/${params.tenant_id}/api-keys/${created.id}`);
        return created;
      }),
    ),
  );

  router.get(
    '/:tenant_id/api-keys',
    route(
      {
        params: tenantParams,
        query: listQuery,
        doc: { summary: "List the tenant's API keys (masked)", response: pageSchema(apiKeyViewSchema) },
      },
      ({ params, query }, req) => {
        assertTenantAccess(identityOf(req), params.tenant_id);
        return apiKeys.list(params.tenant_id, query);
      },
    ),
  );

  router.delete(
    '/:tenant_id/api-keys/:key_id',
    route(
      { params: keyParams, doc: { summary: 'Revoke an API key (not the one making the request)', status: 204 } },
      async ({ params }, req, res) => {
        const identity = identityOf(req);
        assertTenantAccess(identity, params.tenant_id);
        await apiKeys.revoke(identity, params.tenant_id, params.key_id);
        res.status(204).end();
      },
    ),
  );

  router.post(
    '/:tenant_id/api-keys/:key_id/rotate',
    route(
      {
        params: keyParams,
        doc: {
          summary: 'Rotate an API key: a new key with the same name, scopes and expiry; the old one is revoked',
          status: 201,
          idempotent: true,
          response: rotatedApiKeySchema,
        },
      },
      idempotent(async ({ params }, req, res) => {
        const identity = identityOf(req);
        assertTenantAccess(identity, params.tenant_id);
        const rotated = await apiKeys.rotate(identity, params.tenant_id, params.key_id);
        res.status(201).location(`/api/v1/tenants/${params.tenant_id}/api-keys/${rotated.id}`);
        return rotated;
      }),
    ),
  );

  return router;
}
