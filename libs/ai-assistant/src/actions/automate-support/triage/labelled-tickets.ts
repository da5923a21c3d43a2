import { createHash } from 'node:crypto';
import { z } from 'zod';
import german from './examples/de.json';
import english from './examples/en.json';
import spanish from './examples/es.json';
import french from './examples/fr.json';

/** What a ticket is about: decides who answers it and which of the tenant's data the reply quotes. */
export const TICKET_CATEGORIES = ['billing', 'api_errors', 'rate_limits', 'account_access', 'feature_request', 'other'] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

const labelledTicketSchema = z.strictObject({
  id: z.string().regex(/^[a-z]{2}-[a-z]+-\d{2}$/),
  category: z.enum(TICKET_CATEGORIES),
  sentiment: z.enum(SENTIMENTS),
  subject: z.string().min(1),
  text: z.string().min(1),
});

export interface LabelledTicket extends z.output<typeof labelledTicketSchema> {
  /** ISO 639-1, from the file the ticket is written in. */
  language: string;
}

/**
 * Support tickets written for this project and labelled by hand (examples/<language>.json): the
 * classifier learns from the training part and is measured on the held-out part.
 */
export const LABELLED_TICKETS: readonly LabelledTicket[] = Object.entries({ en: english, de: german, fr: french, es: spanish }).flatMap(
  ([language, tickets]) =>
    z
      .array(labelledTicketSchema)
      .parse(tickets)
      .map((ticket) => ({ ...ticket, language })),
);

/** One ticket in this many is held out: about 20 %. */
const HELD_OUT_ONE_IN = 5;

/**
 * Held out or not, decided by a hash of the ticket's id: the same split on every machine and run, and
 * adding a ticket moves no other ticket between the parts.
 */
export function isHeldOut(ticket: Pick<LabelledTicket, 'id'>): boolean {
  return createHash('sha256').update(ticket.id).digest().readUInt32BE(0) % HELD_OUT_ONE_IN === 0;
}

export const TRAINING_TICKETS: readonly LabelledTicket[] = LABELLED_TICKETS.filter((ticket) => !isHeldOut(ticket));
export const HELD_OUT_TICKETS: readonly LabelledTicket[] = LABELLED_TICKETS.filter(isHeldOut);
