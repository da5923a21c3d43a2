import type { TenantView } from '@tenantry/contracts';
import type { Tenant } from './tenant.collection';

export function toTenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    status: tenant.status,
    subscriptionTier: tenant.subscriptionTier,
    settings: { timezone: tenant.timezone, billingEmail: tenant.billingEmail ?? null },
    metadata: tenant.metadata,
    trialEndsAt: tenant.trialEndsAt?.toISOString() ?? null,
    statusReason: tenant.statusReason ?? null,
    statusChangedAt: tenant.statusChangedAt?.toISOString() ?? null,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
