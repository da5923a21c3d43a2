import { NotFoundError, ValidationFailedError } from '@tenantry/contracts';
import type { Identity } from '@tenantry/http';

/**
 * The tenant a request acts for: a tenant key acts for its own tenant (naming another one answers 404,
 * like a missing tenant, so ids do not leak); the admin and platform services must name it.
 */
export function tenantInScope(identity: Identity, requested: string | undefined, field: string): string {
  if (identity.role === 'tenant') {
    if (requested !== undefined && requested !== identity.tenantId) throw new NotFoundError(`Tenant ${requested} was not found.`);
    return identity.tenantId;
  }
  if (requested === undefined)
    throw new ValidationFailedError(`Name the tenant (${field}).`, [{ field, message: 'Required for the platform admin' }]);
  return requested;
}

/**
 * The tenant owning a resource read by id: a tenant key only ever looks in its own tenant; the admin
 * and services look the owner up. Unknown ids answer 404.
 */
export async function ownerOf(identity: Identity, lookUp: () => Promise<string | null>, what: string): Promise<string> {
  if (identity.role === 'tenant') return identity.tenantId;
  const tenantId = await lookUp();
  if (tenantId === null) throw new NotFoundError(`${what} was not found.`);
  return tenantId;
}
