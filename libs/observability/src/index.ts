import { notBuiltService } from '@tenantry/runtime';

/** How the runtime starts the observability service (alone in apps/observability, or with the others in apps/all-in-one). */
export const observabilityService = notBuiltService({ name: 'observability', apiPrefix: '/api/v1/observability', capability: 'Metrics, health, SLOs and SLA reports' });
