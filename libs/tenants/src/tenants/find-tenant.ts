import { NotFoundError } from '@tenantry/contracts';
import type { Tenant, TenantRepository } from './tenant.collection';

/** The tenant, read by id within its own scope; 404 when there is none. */
export async function findTenantOrThrow(tenants: TenantRepository, tenantId: string): Promise<Tenant> {
  const tenant = await tenants.findById(tenantId, tenantId);
  if (!tenant) throw new NotFoundError(`Tenant ${tenantId} was not found.`);
  return tenant;
}
