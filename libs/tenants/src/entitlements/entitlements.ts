import { FEATURES, hasFeature, planOf, toPlanLimitsView, type Feature, type TenantFeaturesResponse } from '@tenantry/contracts';
import type { Tenant } from '../tenants/tenant.collection';

/**
 * What the tenant's plan entitles it to, straight from the plan catalog: every feature (true/false),
 * the limits (`"unlimited"` where the plan lifts one) and the SLA target. The tier is the plan in force
 * as billing's subscription events last said (subscriptions/follow-subscriptions.ts).
 */
export function entitlementsOf(tenant: Tenant): TenantFeaturesResponse {
  const plan = planOf(tenant.subscriptionTier);
  return {
    tenant_id: tenant.id,
    subscription_tier: plan.id,
    features: Object.fromEntries(FEATURES.map((feature) => [feature, hasFeature(plan.id, feature)])) as Record<Feature, boolean>,
    limits: toPlanLimitsView(plan.limits),
    sla_target_percent: plan.slaTargetPercent,
  };
}
