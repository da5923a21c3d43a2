import { createEvent, type EventData, type TenantryEventOf } from '@tenantry/contracts';

/** An `sla.breached` event as the observability service publishes it: pro tenant, February 2025 in UTC, a 10 % credit of 19,900. */
export function slaBreach(tenantId: string, overrides: Partial<EventData<'sla.breached'>> = {}): TenantryEventOf<'sla.breached'> {
  const month = overrides.month ?? '2025-02';
  return createEvent('sla.breached', {
    tenantId,
    source: '/tenantry/observability',
    time: '2025-03-01T00:05:00Z',
    data: {
      report_id: `sla_${tenantId}_${month}`,
      tenant_id: tenantId,
      month,
      timezone: 'UTC',
      period: { start: '2025-02-01T00:00:00.000Z', end: '2025-03-01T00:00:00.000Z' },
      plan_id: 'pro',
      objective: 0.999,
      achieved: 0.9971,
      downtime_minutes: 116.9,
      excluded_maintenance_minutes: 60,
      credit_percent: 10,
      monthly_fee_cents: 19_900,
      credit_cents: 1_990,
      currency: 'EUR',
      breached_at: '2025-03-01T00:05:00.000Z',
      ...overrides,
    },
  });
}

/** `tenant.created` as the tenants service publishes it. */
export function tenantCreated(tenantId: string, at: Date, tier: 'basic' | 'pro' | 'enterprise' = 'pro'): TenantryEventOf<'tenant.created'> {
  return createEvent('tenant.created', {
    tenantId,
    source: '/tenantry/tenants',
    time: at,
    data: {
      tenant_id: tenantId,
      name: 'Acme d.o.o.',
      subscription_tier: tier,
      status: 'trial',
      timezone: 'UTC',
      trial_ends_at: new Date(at.getTime() + 14 * 86_400_000).toISOString(),
      created_at: at.toISOString(),
    },
  });
}
