import { pageSchema, paginationQuery, route, withQueryCursor } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { actingFor, tenantQuery } from '../access';
import type { SupportTickets } from './support-tickets';
import { type Ticket, ticketsCollection } from './ticket.collection';

/** What a ticket stores of its triage, as the API shows it (the contact fields are shown as one object). */
const triageSchema = ticketsCollection.schema.omit({ contact_name: true, contact_email: true });

export const ticketViewSchema = triageSchema
  .extend({
    id: z.string(),
    tenant_id: z.string(),
    contact: z.object({ name: z.string().nullable(), email: z.string().nullable() }),
  })
  .meta({ id: 'AssistantSupportTicket' });
export type TicketView = z.output<typeof ticketViewSchema>;

export function ticketView(ticket: Ticket): TicketView {
  return {
    id: ticket.id,
    tenant_id: ticket.tenantId,
    contact: { name: ticket.contact_name ?? null, email: ticket.contact_email ?? null },
    ...triageSchema.parse(ticket), // the stored triage fields, nothing else of the record
  };
}

const ticketParams = z.object({ id: z.string().min(1).max(128) });

/** `/tickets`: the tenant's support tickets as automate_support triaged them, newest first; the admin names the tenant. */
export function ticketRoutes(deps: { tickets: SupportTickets }): Router {
  const router = Router();

  router.get(
    '/tickets',
    route(
      {
        query: paginationQuery.extend(tenantQuery.shape),
        doc: {
          summary: 'List the tenant’s triaged support tickets, newest first (the automate_support action triages one)',
          response: pageSchema(ticketViewSchema),
        },
      },
      async ({ query }, req) => {
        const tenantId = actingFor(req, query.tenant_id).tenantId;
        const page = await withQueryCursor(() => deps.tickets.list(tenantId, query));
        return { items: page.items.map(ticketView), next_cursor: page.nextCursor };
      },
    ),
  );

  router.get(
    '/tickets/:id',
    route(
      {
        params: ticketParams,
        query: tenantQuery,
        doc: {
          summary: 'Read a triaged ticket: category, priority, sentiment and language with their figures, and the reply drafted',
          response: ticketViewSchema,
        },
      },
      async ({ params, query }, req) => ticketView(await deps.tickets.get(actingFor(req, query.tenant_id).tenantId, params.id)),
    ),
  );

  return router;
}
