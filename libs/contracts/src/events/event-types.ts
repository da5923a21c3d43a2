/**
 * Every domain event Tenantry publishes, named `<entity>.<past_tense>`. Declared once: the Kafka topic
 * of each event is its name, and the catalog (catalog.ts) must have a schema for each of them.
 */
export const EVENT_TYPES = [
  'tenant.created',
  'tenant.updated',
  'tenant.status_changed',
  'tenant.api_key_revoked',
  'subscription.created',
  'subscription.upgraded',
  'subscription.downgraded',
  'subscription.cancelled',
  'subscription.activated',
  'subscription.interval_changed',
  'invoice.issued',
  'invoice.paid',
  'invoice.overdue',
  'metric.recorded',
  'alert.fired',
  'alert.resolved',
  'sla.breached',
  'task.queued',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Billing's subscription events. Each carries the tenant's subscription `revision` and names the plan
 * it puts in force; the services that follow a tenant's plan (tenants, gateway) consume all of them.
 */
export const SUBSCRIPTION_EVENT_TYPES = [
  'subscription.created',
  'subscription.activated',
  'subscription.upgraded',
  'subscription.downgraded',
  'subscription.interval_changed',
  'subscription.cancelled',
] as const satisfies readonly EventType[];
export type SubscriptionEventType = (typeof SUBSCRIPTION_EVENT_TYPES)[number];

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: string): value is EventType {
  return KNOWN_TYPES.has(value);
}
