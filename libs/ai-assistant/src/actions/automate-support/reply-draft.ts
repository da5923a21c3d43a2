import { lowestPlanWith, planOf, plansByRank } from '@tenantry/contracts';
import type { SupportFacts } from './support-context';
import type { TicketCategory } from './triage/labelled-tickets';
import type { Triage } from './triage/triage-ticket';

const euros = (cents: number) => `${(cents / 100).toFixed(2)} EUR`;
const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** A paragraph of the reply and the facts it quotes (paths into `context`). */
interface Paragraph {
  text: string;
  facts: string[];
}

/**
 * The reply in the built-in (English) wording: an acknowledgement of the category, the tenant's own
 * figures that bear on it, and the next step. Every number in it comes from `facts`.
 */
export function draftReply(
  ticket: { subject: string; contact_name?: string | undefined },
  triage: Pick<Triage, 'category' | 'priority'>,
  facts: SupportFacts,
) {
  const paragraphs = [acknowledgement(triage.category, ticket.subject), ...factParagraphs(triage.category, facts), nextStep(triage, facts)];
  const greeting = ticket.contact_name ? `Hello ${ticket.contact_name},` : 'Hello,';
  return {
    language: 'en',
    body: [greeting, ...paragraphs.map((p) => p.text), 'Best regards,\nTenantry support'].join('\n\n'),
    facts_used: [...new Set(paragraphs.flatMap((p) => p.facts))],
  };
}

function acknowledgement(category: TicketCategory, subject: string): Paragraph {
  const about: Record<TicketCategory, string> = {
    billing: 'your question about billing',
    api_errors: 'the errors you see on the API',
    rate_limits: 'the rate limits and quota you run into',
    account_access: 'access to your account',
    feature_request: 'your suggestion',
    other: 'your message',
  };
  return { text: `Thank you for writing to us about ${about[category]} ("${subject}").`, facts: [] };
}

function factParagraphs(category: TicketCategory, facts: SupportFacts): Paragraph[] {
  switch (category) {
    case 'billing':
      return [planParagraph(facts), invoiceParagraph(facts)];
    case 'api_errors':
      return [errorParagraph(facts), alertParagraph(facts)];
    case 'rate_limits':
      return [rateLimitParagraph(facts), quotaParagraph(facts)];
    case 'account_access':
      return [
        planParagraph(facts),
        {
          text: 'API keys are issued, listed and revoked under /api/v1/tenants/{tenant_id}/api-keys; a revoked key stops working at once.',
          facts: [],
        },
      ];
    case 'feature_request':
      return [featureParagraph(facts)];
    case 'other':
      return [planParagraph(facts)];
  }
}

function planParagraph(facts: SupportFacts): Paragraph {
  const plan = facts.plan;
  if (!plan) return { text: 'We have no subscription on record for your account yet.', facts: ['plan'] };
  const price = plan.interval === 'annual' ? `${euros(plan.annual_price_cents)} a year` : `${euros(plan.monthly_price_cents)} a month`;
  const status = plan.status
    ? ` (${plan.status}${plan.interval ? `, billed ${plan.interval === 'annual' ? 'annually' : 'monthly'}` : ''})`
    : '';
  return {
    text: `Your account is on the ${plan.name} plan${status}, at ${price}.`,
    facts: ['plan.name', 'plan.status', 'plan.interval', 'plan.monthly_price_cents'],
  };
}

function invoiceParagraph(facts: SupportFacts): Paragraph {
  const { invoices } = facts;
  if (invoices.seen === 0) return { text: 'We see no invoice on your account yet.', facts: ['invoices.seen'] };
  if (invoices.unpaid.length === 0)
    return {
      text: `All ${plural(invoices.paid.count, 'invoice')} on your account are paid; none is open or overdue.`,
      facts: ['invoices.paid', 'invoices.unpaid'],
    };
  const list = invoices.unpaid
    .map((i) => `${i.number} (${euros(i.amount_cents)}, ${i.standing}${i.due_at ? `, due ${i.due_at.slice(0, 10)}` : ''})`)
    .join(', ');
  return {
    text: `Your account has ${plural(invoices.open.count, 'open invoice')} and ${plural(invoices.overdue.count, 'overdue invoice')}: ${list}.`,
    facts: ['invoices.open', 'invoices.overdue', 'invoices.unpaid'],
  };
}

function errorParagraph(facts: SupportFacts): Paragraph {
  const { usage } = facts;
  if (usage.requests === 0) return { text: `We recorded no call from your account since ${usage.from}.`, facts: ['usage.requests'] };
  if (usage.errors === 0)
    return {
      text: `Since ${usage.from} we recorded ${usage.requests} calls from your account and none failed on our side (no 5xx answer).`,
      facts: ['usage.requests', 'usage.errors'],
    };
  const worst = usage.routes_with_errors[0];
  return {
    text:
      `Since ${usage.from}, ${usage.errors} of your ${usage.requests} calls (${percent(usage.error_share)}) failed on our side with a 5xx answer` +
      (worst ? `, most of them on ${worst.route} (${worst['errors']} of its ${worst.requests} calls).` : '.'),
    facts: ['usage.errors', 'usage.requests', 'usage.error_share', 'usage.routes_with_errors'],
  };
}

function alertParagraph(facts: SupportFacts): Paragraph {
  const firing = facts.alerts.firing;
  if (firing.length === 0) return { text: 'No alert is firing for your account right now.', facts: ['alerts.firing'] };
  const list = firing.map((a) => `${a.slo} on ${a.service} (${a.severity}, since ${a.since})`).join('; ');
  return {
    text: `Our monitoring shows ${plural(firing.length, 'alert')} firing for your account: ${list}. Our engineers are on it.`,
    facts: ['alerts.firing'],
  };
}

function rateLimitParagraph(facts: SupportFacts): Paragraph {
  const { usage } = facts;
  if (usage.rate_limited === 0)
    return {
      text: `Since ${usage.from} none of your ${usage.requests} calls was refused with 429.`,
      facts: ['usage.rate_limited', 'usage.requests'],
    };
  const worst = usage.routes_with_429[0];
  return {
    text:
      `Since ${usage.from}, ${usage.rate_limited} of your ${usage.requests} calls (${percent(usage.rate_limited_share)}) were refused with 429, ` +
      `on ${plural(usage.days_with_429.length, 'day')} (${usage.days_with_429.join(', ')})` +
      (worst ? `, most on ${worst.route} (${worst['rate_limited']}).` : '.') +
      ' Each 429 carries a Retry-After header, and every answer the RateLimit headers: waiting as they say avoids the refusals.',
    facts: ['usage.rate_limited', 'usage.requests', 'usage.rate_limited_share', 'usage.days_with_429', 'usage.routes_with_429'],
  };
}

function quotaParagraph(facts: SupportFacts): Paragraph {
  const { plan, usage } = facts;
  if (!plan) return { text: 'We have no plan on record for your account, so we cannot tell its limits.', facts: ['plan'] };
  if (plan.api_calls_per_day === null)
    return { text: `Your ${plan.name} plan has no daily quota and no per-minute limit.`, facts: ['plan.api_calls_per_day'] };
  const busiest = usage.busiest_day;
  const limits = `Your ${plan.name} plan allows ${plan.requests_per_minute} requests per minute and ${plan.api_calls_per_day} calls a day`;
  const peak = busiest
    ? `; your busiest day, ${busiest.day}, had ${busiest.requests} calls (${percent(busiest.requests / plan.api_calls_per_day)} of the daily quota)`
    : '';
  const next = plansByRank().find((p) => p.rank > planOf(plan.plan_id).rank);
  const upgrade = next
    ? ` ${next.name} allows ${next.limits.requestsPerMinute === 'unlimited' ? 'unlimited requests per minute' : `${next.limits.requestsPerMinute} requests per minute`} and ${next.limits.apiCallsPerDay === 'unlimited' ? 'unlimited calls a day' : `${next.limits.apiCallsPerDay} calls a day`}.`
    : '';
  return { text: `${limits}${peak}.${upgrade}`, facts: ['plan.requests_per_minute', 'plan.api_calls_per_day', 'usage.busiest_day'] };
}

function featureParagraph(facts: SupportFacts): Paragraph {
  const text = 'We have passed your suggestion to the product team, who read every one of them.';
  const plan = facts.plan;
  if (!plan || plan.priority_support) return { text, facts: [] };
  const withSupport = lowestPlanWith('priority_support');
  return {
    text: `${text} ${withSupport ? `Priority support comes with the ${withSupport.name} plan and up.` : ''}`.trim(),
    facts: ['plan.priority_support'],
  };
}

function nextStep(triage: Pick<Triage, 'category' | 'priority'>, facts: SupportFacts): Paragraph {
  const urgency: Record<Triage['priority'], string> = {
    urgent: 'We treat this as urgent and an engineer will get back to you within the hour.',
    high: 'We treat this with high priority and will get back to you today.',
    normal: 'We will get back to you within two working days.',
    low: 'We will get back to you as soon as we can.',
  };
  const sla = facts.plan?.sla_target_percent
    ? ` Your plan's availability target is ${facts.plan.sla_target_percent} %; a missed month is credited on your next invoice.`
    : '';
  return {
    text: urgency[triage.priority] + (triage.category === 'api_errors' ? sla : ''),
    facts: triage.category === 'api_errors' && sla ? ['plan.sla_target_percent'] : [],
  };
}
