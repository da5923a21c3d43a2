import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { SENTIMENTS, TICKET_CATEGORIES } from '../actions/automate-support/triage/labelled-tickets';

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/**
 * A support ticket the automate_support action triaged: what the tenant wrote, the triage (with the
 * figures it came from) and the reply drafted. Owned by the assistant, one per task, per tenant.
 */
export const ticketsCollection = defineCollection({
  name: 'assistant_support_tickets',
  idPrefix: 'stk_',
  schema: z.object({
    subject: z.string(),
    text: z.string(),
    contact_name: z.string().optional(),
    contact_email: z.string().optional(),
    /** The automate_support task that triaged it (a retried run of that task finds it again). */
    task_id: z.string(),
    /** When the task triaged it (ISO 8601, the task's clock). */
    triaged_at: z.string(),
    language: z.string(),
    language_confidence: z.number(),
    category: z.enum(TICKET_CATEGORIES),
    /** log₂ odds of each category, highest first. */
    category_scores: z.array(z.object({ category: z.enum(TICKET_CATEGORIES), log2_odds: z.number() })),
    sentiment: z.enum(SENTIMENTS),
    sentiment_score: z.number(),
    priority: z.enum(TICKET_PRIORITIES),
    priority_points: z.number().int(),
    /** The reply in the built-in wording (the task's result has it as a model phrased it, when one is configured). */
    reply_draft: z.string(),
  }),
  indexes: [{ fields: { tenantId: 1, category: 1 } }],
});

export type TicketFields = z.output<typeof ticketsCollection.schema>;
export type Ticket = Stored<TicketFields>;
export type TicketRepository = TenantScopedRepository<TicketFields, z.input<typeof ticketsCollection.schema>>;
