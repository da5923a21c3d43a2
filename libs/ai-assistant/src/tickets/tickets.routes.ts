import { pageSchema, paginationQuery, route, withQueryCursor } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { actingFor, tenantQuery } from '../access';
import { SENTIMENTS, TICKET_CATEGORIES } from '../actions/automate-support/triage/labelled-tickets';
import type { SupportTickets } from './support-tickets';
import { TICKET_PRIORITIES, type Ticket } from './ticket.collection';

export const ticketViewSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    subject: z.string(),
    text: z.string(),
    contact: z.object({ name: z.string().nullable(), email: z.string().nullable() }),
    /** The automate_support task that triaged it: its result has every figure and the reply as phrased. */
    task_id: z.string(),
    language: z.string(),
    language_confidence: z.number(),
    category: z.enum(TICKET_CATEGORIES),
    category_scores: z.array(z.object({ category: z.enum(TICKET_CATEGORIES), log2_odds: z.number() })),
    sentiment: z.enum(SENTIMENTS),
    sentiment_score: z.number(),
    priority: z.enum(TICKET_PRIORITIES),
    priority_points: z.number().int(),
    reply_draft: z.string(),
    triaged_at: z.string(),
  })
  .meta({ id: 'AssistantSupportTicket' });
export type TicketView = z.output<typeof ticketViewSchema>;

export function ticketView(ticket: Ticket): TicketView {
  return {
    id: ticket.id,
    tenant_id: ticket.tenantId,
    subject: ticket.subject,
    text: ticket.text,
    contact: { name: ticket.contact_name ?? null, email: ticket.contact_email ?? null },
    task_id: ticket.task_id,
    language: ticket.language,
    language_confidence: ticket.language_confidence,
    category: ticket.category,
    category_scores: ticket.category_scores,
    sentiment: ticket.sentiment,
    sentiment_score: ticket.sentiment_score,
    priority: ticket.priority,
    priority_points: ticket.priority_points,
    reply_draft: ticket.reply_draft,
    triaged_at: ticket.triaged_at,
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
