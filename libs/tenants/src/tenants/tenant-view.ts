import type { TenantView } from '@tenantry/contracts';
import type { Tenant } from './tenant.collection';

/** The tenant as clients read it: snake_case, `metadata` with the user's own keys. */
export function toTenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    status: tenant.status,
    subscription_tier: tenant.subscriptionTier,
    settings: { timezone: tenant.timezone, billing_email: tenant.billingEmail ?? null },
    metadata: tenant.metadata,
    trial_ends_at: tenant.trialEndsAt?.toISOString() ?? null,
    status_reason: tenant.statusReason ?? null,
    status_changed_at: tenant.statusChangedAt?.toISOString() ?? null,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}
