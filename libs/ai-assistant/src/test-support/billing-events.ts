import type { EventDataInput, PlanId } from '@tenantry/contracts';
import type { ReadModelEvent } from '../read-models/follow-events';
import { readModelEvent } from './run-action';

/** Builders of the billing events the read models follow, with only what a spec varies as arguments. */

const period = (at: string) => ({ start: at, end: new Date(Date.parse(at) + 30 * 86_400_000).toISOString() });

export function subscribed(
  tenantId: string,
  planId: PlanId,
  at: string,
  options: { revision?: number; interval?: 'monthly' | 'annual'; trialing?: boolean } = {},
): ReadModelEvent {
  const data: EventDataInput<'subscription.created'> = {
    tenant_id: tenantId,
    revision: options.revision ?? 1,
    subscription_id: `sub_${tenantId}`,
    plan_id: planId,
    interval: options.interval ?? 'monthly',
    status: options.trialing ? 'trialing' : 'active',
    effective_at: at,
    period: period(at),
  };
  return readModelEvent('subscription.created', tenantId, data);
}

export function activated(tenantId: string, planId: PlanId, at: string, revision: number, interval: 'monthly' | 'annual' = 'monthly') {
  return readModelEvent('subscription.activated', tenantId, {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    plan_id: planId,
    interval,
    effective_at: at,
    period: period(at),
  });
}

export function planChanged(
  tenantId: string,
  kind: 'upgraded' | 'downgraded',
  from: PlanId,
  to: PlanId,
  at: string,
  revision: number,
  interval: 'monthly' | 'annual' = 'monthly',
): ReadModelEvent {
  const common = {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    from_plan_id: from,
    to_plan_id: to,
    from_interval: interval,
    interval,
    effective_at: at,
    period: period(at),
  };
  return kind === 'upgraded'
    ? readModelEvent('subscription.upgraded', tenantId, common)
    : readModelEvent('subscription.downgraded', tenantId, { ...common, timing: 'period_end' });
}

export function intervalChanged(
  tenantId: string,
  planId: PlanId,
  from: 'monthly' | 'annual',
  to: 'monthly' | 'annual',
  at: string,
  revision: number,
) {
  return readModelEvent('subscription.interval_changed', tenantId, {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    plan_id: planId,
    from_interval: from,
    interval: to,
    timing: 'period_end',
    effective_at: at,
    period: period(at),
  });
}

export function cancelled(tenantId: string, planId: PlanId, at: string, revision: number, interval: 'monthly' | 'annual' = 'monthly') {
  return readModelEvent('subscription.cancelled', tenantId, {
    tenant_id: tenantId,
    revision,
    subscription_id: `sub_${tenantId}`,
    plan_id: planId,
    interval,
    timing: 'period_end',
    effective_at: at,
    period: period(at),
  });
}

export function invoiceIssued(tenantId: string, number: string, amountCents: number, issuedAt: string, dueAt?: string): ReadModelEvent {
  const creditNote = amountCents < 0;
  return readModelEvent('invoice.issued', tenantId, {
    tenant_id: tenantId,
    invoice_id: `inv_${tenantId}_${number}`,
    number,
    document_type: creditNote ? 'credit_note' : 'invoice',
    reason: creditNote ? 'plan_change' : 'renewal',
    currency: 'EUR',
    period: period(issuedAt),
    lines: [
      {
        kind: creditNote ? 'credit' : 'subscription',
        description: 'Subscription',
        quantity: 1,
        unit_amount_cents: amountCents,
        amount_cents: amountCents,
      },
    ],
    subtotal_cents: amountCents,
    total_cents: amountCents,
    issued_at: issuedAt,
    ...(dueAt ? { due_at: dueAt } : {}),
  });
}

const reference = (tenantId: string, number: string, amountCents: number) => ({
  tenant_id: tenantId,
  invoice_id: `inv_${tenantId}_${number}`,
  number,
  amount_cents: amountCents,
  currency: 'EUR',
});

export function invoicePaid(tenantId: string, number: string, amountCents: number, paidAt: string): ReadModelEvent {
  return readModelEvent('invoice.paid', tenantId, { ...reference(tenantId, number, amountCents), paid_at: paidAt, method: 'provider' });
}

export function invoiceOverdue(tenantId: string, number: string, amountCents: number, dueAt: string): ReadModelEvent {
  return readModelEvent('invoice.overdue', tenantId, { ...reference(tenantId, number, amountCents), due_at: dueAt }, dueAt);
}
