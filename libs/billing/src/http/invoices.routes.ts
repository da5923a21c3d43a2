import { tenantIdSchema, usageReportRequestSchema } from '@tenantry/contracts';
import { identityOf, paginationQuery, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { Pricing } from '../domain';
import type { Invoices } from '../invoices/invoices';
import type { UsageLedger } from '../metering';
import type { Subscriptions } from '../subscriptions/subscriptions';
import { usageReport } from '../usage/usage-report';
import { ownerOf, tenantInScope } from './tenant-scope';

/** `GET /invoices`, `/invoices/{id}` and `POST /usage-report`. */
export function invoiceRoutes(deps: { invoices: Invoices; subscriptions: Subscriptions; ledger: UsageLedger; pricing: Pricing; clock: () => Date }): Router {
  const { invoices } = deps;
  const router = Router();

  router.get(
    '/invoices',
    route({ query: paginationQuery.extend({ tenant_id: tenantIdSchema.optional() }).strict() }, ({ query }, req) => {
      const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
      return invoices.list(tenantId, query);
    }),
  );

  router.get(
    '/invoices/:invoiceId',
    route({ params: z.object({ invoiceId: z.string().min(1).max(64) }) }, async ({ params }, req) => {
      const tenantId = await ownerOf(identityOf(req), () => invoices.tenantOf(params.invoiceId), `Invoice ${params.invoiceId}`);
      return invoices.get(tenantId, params.invoiceId);
    }),
  );

  router.post(
    '/usage-report',
    route({ body: usageReportRequestSchema }, async ({ body }, req) => {
      const tenantId = tenantInScope(identityOf(req), body.tenantId, 'tenantId');
      const account = await deps.subscriptions.account(tenantId);
      return usageReport(deps.ledger, deps.pricing, account, body, deps.clock());
    }),
  );
  return router;
}
