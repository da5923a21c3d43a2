import type { EventDataInput } from '../catalog';
import type { EventType } from '../event-types';

const at = '2025-03-01T10:00:00.000Z';
const period = { start: '2025-03-01T00:00:00.000Z', end: '2025-04-01T00:00:00.000Z' };

/** One valid data payload per event type, for tests. */
export const EXAMPLE_EVENT_DATA: { [T in EventType]: EventDataInput<T> } = {
  'tenant.created': { tenantId: 't-1', name: 'Acme', tier: 'basic', status: 'trial', timezone: 'Europe/Ljubljana', createdAt: at, trialEndsAt: '2025-03-15T10:00:00.000Z' },
  'tenant.updated': { tenantId: 't-1', changes: { name: 'Acme d.o.o.' }, updatedAt: at },
  'tenant.status_changed': { tenantId: 't-1', from: 'active', to: 'suspended', reason: 'unpaid', changedBy: 'admin', changedAt: at },
  'tenant.api_key_revoked': { tenantId: 't-1', keyId: 'key-1', keyPrefix: 'tnt_ab12', reason: 'revoked', revokedAt: at },
  'subscription.created': { tenantId: 't-1', revision: 1, subscriptionId: 'sub-1', planId: 'basic', interval: 'monthly', status: 'trialing', effectiveAt: at, period },
  'subscription.upgraded': {
    tenantId: 't-1',
    revision: 2,
    subscriptionId: 'sub-1',
    fromPlanId: 'basic',
    toPlanId: 'pro',
    fromInterval: 'monthly',
    interval: 'monthly',
    effectiveAt: at,
    period,
    proration: { creditCents: 3200, chargeCents: 12900, currency: 'EUR' },
  },
  'subscription.downgraded': {
    tenantId: 't-1',
    revision: 3,
    subscriptionId: 'sub-1',
    fromPlanId: 'pro',
    toPlanId: 'basic',
    fromInterval: 'annual',
    interval: 'monthly',
    effectiveAt: period.end,
    period: { start: period.end, end: '2025-05-01T00:00:00.000Z' },
    timing: 'period_end',
  },
  'subscription.cancelled': { tenantId: 't-1', revision: 4, subscriptionId: 'sub-1', planId: 'pro', interval: 'monthly', timing: 'immediate', effectiveAt: at, period, creditCents: 12000 },
  'subscription.activated': { tenantId: 't-1', revision: 2, subscriptionId: 'sub-1', planId: 'basic', interval: 'monthly', effectiveAt: at, period },
  'subscription.interval_changed': {
    tenantId: 't-1',
    revision: 3,
    subscriptionId: 'sub-1',
    planId: 'pro',
    fromInterval: 'monthly',
    interval: 'annual',
    timing: 'immediate',
    effectiveAt: at,
    period: { start: at, end: '2026-03-01T10:00:00.000Z' },
    proration: { creditCents: 12000, chargeCents: 199000, currency: 'EUR' },
  },
  'invoice.issued': {
    tenantId: 't-1',
    invoiceId: 'inv-1',
    number: 't-1-0001',
    documentType: 'invoice',
    reason: 'renewal',
    currency: 'EUR',
    period,
    lines: [
      { kind: 'subscription', description: 'Pro (monthly)', quantity: 1, unitAmountCents: 19900, amountCents: 19900 },
      { kind: 'sla_credit', description: 'SLA credit February', quantity: 1, unitAmountCents: -1990, amountCents: -1990 },
    ],
    subtotalCents: 17910,
    totalCents: 17910,
    issuedAt: at,
  },
  'metric.recorded': {
    tenantId: 't-1',
    reporter: 'gateway-1',
    window: { start: '2025-03-01T10:00:00.000Z', end: '2025-03-01T10:00:10.000Z' },
    latencyBucketsMs: [5, 25, 100],
    samples: [
      {
        service: 'tenants',
        route: '/api/v1/tenants/:id',
        method: 'GET',
        requestCount: 10,
        errorCount: 1,
        clientErrorCount: 2,
        cacheHitCount: 6,
        rateLimitedCount: 0,
        latencyMs: { sum: 120, max: 80, buckets: [6, 2, 2, 0] },
      },
    ],
    recordedAt: at,
  },
};
