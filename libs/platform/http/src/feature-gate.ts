import { type Feature, ForbiddenError, hasFeature, lowestPlanWith, type PlanId, planOf } from '@tenantry/contracts';
import type { RequestHandler } from 'express';
import { type Identity, identityOf } from './identity';

/**
 * The 403 problem for a tenant whose plan lacks `feature`: it names the feature, the plan the tenant is
 * on (`currentPlan`) and the lowest plan that has it (`requiredPlan`), so a client can offer the upgrade.
 * The gateway and the service that owns a gated route both answer with this one, so they cannot drift.
 * `currentPlan` undefined: the identity did not say which plan is in force (refused all the same).
 */
export function featureNotInPlanError(feature: Feature, currentPlan: PlanId | undefined): ForbiddenError {
  const unlockedBy = lowestPlanWith(feature);
  const detail =
    currentPlan === undefined
      ? `The request does not say which plan the tenant is on, so ${feature} is not granted${unlockedBy ? ` (the ${unlockedBy.name} plan includes it)` : ''}.`
      : `The ${planOf(currentPlan).name} plan does not include ${feature}${unlockedBy ? `; the ${unlockedBy.name} plan does` : ''}.`;
  return new ForbiddenError(detail, {
    feature,
    ...(currentPlan === undefined ? {} : { current_plan: currentPlan }),
    ...(unlockedBy ? { required_plan: unlockedBy.id } : {}),
  });
}

/**
 * Whether `identity` may use `feature`: the platform admin and platform services always; a tenant only
 * when the plan the gateway signed includes it — an identity without a plan gets nothing (fail closed).
 */
export function identityHasFeature(identity: Identity, feature: Feature): boolean {
  if (identity.role !== 'tenant') return true;
  return identity.planId !== undefined && hasFeature(identity.planId, feature);
}

/**
 * Refuses (403, `featureNotInPlanError`) a tenant whose plan lacks `feature`. Mount it behind
 * `requireSignedIdentity` in the service that owns the gated routes: the gateway refuses such requests
 * too, but a service must not rely on every caller having come through a gateway that did.
 */
export function requireFeature(feature: Feature): RequestHandler {
  return (req, _res, next) => {
    const identity = identityOf(req);
    if (!identityHasFeature(identity, feature))
      throw featureNotInPlanError(feature, identity.role === 'tenant' ? identity.planId : undefined);
    next();
  };
}
