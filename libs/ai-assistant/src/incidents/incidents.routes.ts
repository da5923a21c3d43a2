import { ForbiddenError } from '@tenantry/contracts';
import { identityOf, pageSchema, paginationQuery, route } from '@tenantry/http';
import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { tenantQuery } from '../access';
import type { IncidentScope, Incidents } from './incidents';
import { incidentStatusSchema, incidentViewSchema } from './incident-view';

const incidentParams = z.object({ id: z.string().min(1).max(128) });
const listQuery = paginationQuery.extend(tenantQuery.shape).extend({ status: incidentStatusSchema.optional() });

/**
 * Whose incidents a request reads: a tenant's own, always (naming another tenant is a 403); the admin's,
 * the tenant named by `tenant_id` (`_platform`: the service-wide ones), or every owner's without it.
 */
function scopeOf(req: Request, tenantId: string | undefined): IncidentScope {
  const identity = identityOf(req);
  if (identity.role === 'tenant') {
    if (tenantId !== undefined && tenantId !== identity.tenantId) throw new ForbiddenError('A tenant key acts only for its own tenant.');
    return { owner: identity.tenantId };
  }
  if (identity.role === 'admin') return tenantId === undefined ? 'all' : { owner: tenantId };
  throw new ForbiddenError('Only tenants and the platform admin use the assistant.');
}

/** `/incidents`: the incidents built from the burn-rate alerts, listed and read. */
export function incidentRoutes(deps: { incidents: Incidents }): Router {
  const router = Router();

  router.get(
    '/incidents',
    route(
      {
        query: listQuery,
        doc: {
          summary: 'List incidents, newest first, by status (the admin: every tenant and the service-wide ones unless tenant_id)',
          response: pageSchema(incidentViewSchema),
        },
      },
      async ({ query }, req) => {
        const page = await deps.incidents.list(scopeOf(req, query.tenant_id), query);
        return { items: page.items, next_cursor: page.next_cursor };
      },
    ),
  );

  router.get(
    '/incidents/:id',
    route(
      {
        params: incidentParams,
        query: tenantQuery,
        doc: { summary: 'Read an incident: its alerts, status, escalation and timeline', response: incidentViewSchema },
      },
      async ({ params, query }, req) => deps.incidents.get(scopeOf(req, query.tenant_id), params.id),
    ),
  );

  return router;
}
