import { createEvent, type TenantryEventOf } from '@tenantry/contracts';

let sequence = 0;

/** A valid `tenant.updated` event for `tenantId`; `label` ends up in the data, to tell events apart. */
export function buildTenantUpdated(
  tenantId: string,
  label = `change-${++sequence}`,
  overrides: { id?: string; traceparent?: string } = {},
): TenantryEventOf<'tenant.updated'> {
  return createEvent('tenant.updated', {
    tenantId,
    source: '/tenantry/tests',
    data: { tenant_id: tenantId, changes: { name: label }, updated_at: new Date().toISOString() },
    ...overrides,
  });
}

export function buildTenantCreated(tenantId: string): TenantryEventOf<'tenant.created'> {
  return createEvent('tenant.created', {
    tenantId,
    source: '/tenantry/tests',
    data: {
      tenant_id: tenantId,
      name: `Tenant ${tenantId}`,
      subscription_tier: 'basic',
      status: 'trial',
      timezone: 'Europe/Ljubljana',
      created_at: new Date().toISOString(),
    },
  });
}
