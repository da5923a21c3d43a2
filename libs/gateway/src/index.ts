import { notBuiltService } from '@tenantry/runtime';

/** How the runtime starts the gateway service (alone in apps/gateway, or with the others in apps/all-in-one). */
export const gatewayService = notBuiltService({ name: 'gateway', apiPrefix: '/api', capability: 'The gateway pipeline (authentication, rate limiting, caching, proxying)' });
