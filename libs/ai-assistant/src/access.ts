import { ForbiddenError, ValidationFailedError, type PlanId } from '@tenantry/contracts';
import { identityOf } from '@tenantry/http';
import type { Request } from 'express';
import { z } from 'zod';

/** `?tenant_id=`: the tenant the platform admin acts for (a tenant may name only itself). */
export const tenantQuery = z.object({ tenant_id: z.string().min(1).max(128).optional() });

export interface ActingFor {
  tenantId: string;
  /** The plan the gateway signed for a tenant caller; undefined when the admin acts (the read model's plan is used). */
  planId: PlanId | undefined;
  /** Who asks: a platform-wide answer (an action's `scope: platform`) is for the admin only. */
  role: 'tenant' | 'admin';
}

/**
 * Whose tasks a request works on: a tenant's own, always (naming another tenant is a 403); the admin's,
 * those of the tenant named by `tenant_id`, which it must give.
 */
export function actingFor(req: Request, tenantId: string | undefined): ActingFor {
  const identity = identityOf(req);
  if (identity.role === 'tenant') {
    if (tenantId !== undefined && tenantId !== identity.tenantId) throw new ForbiddenError('A tenant key acts only for its own tenant.');
    return { tenantId: identity.tenantId, planId: identity.planId, role: 'tenant' };
  }
  if (identity.role === 'admin') {
    if (tenantId === undefined)
      throw new ValidationFailedError('The admin acts for a tenant: name it.', [
        { field: 'query.tenant_id', message: 'Required for the admin' },
      ]);
    return { tenantId, planId: undefined, role: 'admin' };
  }
  throw new ForbiddenError('Only tenants and the platform admin use the assistant.');
}
