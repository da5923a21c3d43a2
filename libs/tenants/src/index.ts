import { notBuiltService } from '@tenantry/runtime';

/** How the runtime starts the tenants service (alone in apps/tenants, or with the others in apps/all-in-one). */
export const tenantsService = notBuiltService({ name: 'tenants', apiPrefix: '/api/v1/tenants', capability: 'Tenant lifecycle and API keys' });
