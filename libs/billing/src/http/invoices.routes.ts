import {
  invoiceViewSchema,
  markInvoicePaidRequestSchema,
  tenantIdSchema,
  tenantScopeQuery,
  usageReportRequestSchema,
  usageReportSchema,
} from '@tenantry/contracts';
import { assertAdmin, identityOf, pageSchema, paginationQuery, route, type IdempotentWrapper } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import type { Pricing } from '../domain';
import type { Invoices } from '../invoices/invoices';
import type { UsageLedger } from '../metering';
import type { Subscriptions } from '../subscriptions/subscriptions';
import { usageReport } from '../usage/usage-report';
import { ownerOf, tenantInScope } from './tenant-scope';

const invoiceParams = z.object({ invoice_id: z.string().min(1).max(64) });

/** `GET /invoices`, `/invoices/{id}`, `POST /invoices/{id}/mark-paid` and `POST /usage-report`. */
export function invoiceRoutes(deps: {
  invoices: Invoices;
  subscriptions: Subscriptions;
  ledger: UsageLedger;
  pricing: Pricing;
  idempotent: IdempotentWrapper;
  clock: () => Date;
}): Router {
  const { invoices, idempotent } = deps;
  const router = Router();

  router.get(
    '/invoices',
    route(
      {
        query: paginationQuery
          .extend({ tenant_id: tenantIdSchema.optional(), status: z.enum(['open', 'overdue', 'paid', 'issued']).optional() })
          .strict(),
        doc: {
          summary: "The tenant's invoices and credit notes, newest first (?status=overdue: those unpaid past their due date)",
          response: pageSchema(invoiceViewSchema),
        },
      },
      ({ query }, req) => {
        const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
        return invoices.list(tenantId, query);
      },
    ),
  );

  router.get(
    '/invoices/:invoice_id',
    route(
      { params: invoiceParams, doc: { summary: 'One invoice or credit note with its lines', response: invoiceViewSchema } },
      async ({ params }, req) => {
        const tenantId = await ownerOf(identityOf(req), () => invoices.tenantOf(params.invoice_id), `Invoice ${params.invoice_id}`);
        return invoices.get(tenantId, params.invoice_id);
      },
    ),
  );

  // Only the platform admin records a payment made outside the platform: a tenant cannot mark its own invoices paid.
  router.post(
    '/invoices/:invoice_id/mark-paid',
    route(
      {
        params: invoiceParams,
        body: markInvoicePaidRequestSchema,
        doc: {
          summary: 'Record a payment made outside the platform (admin); publishes invoice.paid',
          idempotent: true,
          response: invoiceViewSchema,
        },
      },
      idempotent(async ({ params, body }, req) => {
        const identity = identityOf(req);
        assertAdmin(identity);
        const tenantId = await ownerOf(identity, () => invoices.tenantOf(params.invoice_id), `Invoice ${params.invoice_id}`);
        return invoices.markPaid(tenantId, params.invoice_id, {
          method: 'manual',
          paidAt: body.paid_at ? new Date(body.paid_at) : undefined,
          reference: body.reference,
        });
      }),
    ),
  );

  router.post(
    '/usage-report',
    route(
      {
        query: tenantScopeQuery,
        body: usageReportRequestSchema,
        doc: {
          summary: 'Calls per local day against the quota, and the overage, for a period (the admin names the tenant with ?tenant_id=)',
          response: usageReportSchema,
        },
      },
      async ({ query, body }, req) => {
        const tenantId = tenantInScope(identityOf(req), query.tenant_id, 'query.tenant_id');
        const account = await deps.subscriptions.account(tenantId);
        return usageReport(deps.ledger, deps.pricing, account, body, deps.clock());
      },
    ),
  );
  return router;
}
