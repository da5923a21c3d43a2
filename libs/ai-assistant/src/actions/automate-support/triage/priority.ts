import type { TicketPriority } from '../../../tickets/ticket.collection';
import type { SupportFacts } from '../support-context';
import { ticketWords } from './category-classifier';
import type { Sentiment, TicketCategory } from './labelled-tickets';

/** Points of the category alone: what stops a tenant's traffic or access weighs more than a question. */
export const CATEGORY_POINTS: Readonly<Record<TicketCategory, number>> = {
  api_errors: 2,
  rate_limits: 2,
  account_access: 2,
  billing: 1,
  other: 0,
  feature_request: 0,
};

/** Words that say the writer is stopped now, in the languages of the labelled tickets (compared without accents). */
const URGENT_WORDS = [
  'urgent',
  'urgently',
  'asap',
  'immediately',
  'critical',
  'outage',
  'production',
  'down',
  'blocked',
  'locked',
  'dringend',
  'sofort',
  'ausgefallen',
  'ausfall',
  'produktion',
  'gesperrt',
  'ausgesperrt',
  'immédiatement',
  'panne',
  'bloqué',
  'bloquée',
  'urgente',
  'inmediatamente',
  'caída',
  'caido',
  'producción',
  'bloqueado',
];
const URGENT = new Set(URGENT_WORDS.flatMap(ticketWords));

/** Points from which a ticket is urgent, high, normal (below: low). */
export const PRIORITY_BANDS = { urgent: 6, high: 4, normal: 2 } as const;

export interface PriorityRule {
  rule: string;
  points: number;
}

/**
 * Priority as a sum of points, each rule named with what triggered it: the category, urgent words, a
 * negative tone, the tenant's own data agreeing with the complaint, and a plan with priority support.
 */
export function ticketPriority(
  text: string,
  category: TicketCategory,
  sentiment: Sentiment,
  facts: SupportFacts,
): { priority: TicketPriority; points: number; rules: PriorityRule[] } {
  const rules: PriorityRule[] = [{ rule: `category ${category}`, points: CATEGORY_POINTS[category] }];
  const urgent = [...new Set(ticketWords(text).filter((word) => URGENT.has(word)))];
  if (urgent.length) rules.push({ rule: `urgent words: ${urgent.join(', ')}`, points: 2 });
  if (sentiment === 'negative') rules.push({ rule: 'negative tone', points: 1 });
  const corroboration = corroboratingFact(category, facts);
  if (corroboration) rules.push({ rule: corroboration, points: 1 });
  if (facts.plan?.priority_support) rules.push({ rule: `${facts.plan.name} includes priority support`, points: 1 });
  const points = rules.reduce((sum, r) => sum + r.points, 0);
  const priority: TicketPriority =
    points >= PRIORITY_BANDS.urgent
      ? 'urgent'
      : points >= PRIORITY_BANDS.high
        ? 'high'
        : points >= PRIORITY_BANDS.normal
          ? 'normal'
          : 'low';
  return { priority, points, rules: rules.filter((r) => r.points > 0) };
}

/** The tenant's data that confirms what the ticket reports, when it does. */
function corroboratingFact(category: TicketCategory, facts: SupportFacts): string | null {
  const { usage, alerts, invoices } = facts;
  switch (category) {
    case 'api_errors':
      if (alerts.firing.length) return `${alerts.firing.length} alert(s) firing`;
      return usage.errors > 0 ? `${usage.errors} server error(s) since ${usage.from}` : null;
    case 'rate_limits':
      return usage.rate_limited > 0 ? `${usage.rate_limited} call(s) refused with 429 since ${usage.from}` : null;
    case 'billing':
      return invoices.overdue.count > 0 ? `${invoices.overdue.count} overdue invoice(s)` : null;
    case 'account_access':
      return facts.plan?.status === 'cancelled' ? 'the subscription is cancelled' : null;
    default:
      return null;
  }
}
