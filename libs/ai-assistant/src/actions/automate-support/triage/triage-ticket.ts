import type { SupportFacts } from '../support-context';
import { categoryClassifier, CLOSE_CALL_MARGIN } from './category-classifier';
import { ticketLanguage } from './language';
import { ticketPriority } from './priority';
import { ticketSentiment } from './sentiment';

/** Category, language, sentiment and priority of a ticket, each with the figures it was decided from. */
export function triageTicket(ticket: { subject: string; text: string }, facts: SupportFacts) {
  const text = `${ticket.subject}\n${ticket.text}`;
  const language = ticketLanguage(text);
  const category = categoryClassifier().classify(text);
  const sentiment = ticketSentiment(text, language.language);
  const priority = ticketPriority(text, category.category, sentiment.sentiment, facts);
  return {
    category: category.category,
    priority: priority.priority,
    sentiment: sentiment.sentiment,
    language: language.language,
    figures: {
      category: { ...category, close_call: category.margin < CLOSE_CALL_MARGIN },
      sentiment,
      language,
      priority: { points: priority.points, rules: priority.rules },
    },
  };
}
export type Triage = ReturnType<typeof triageTicket>;
