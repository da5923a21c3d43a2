export { tenantsService } from './tenants-service';
export { createTenantsApp, API_PREFIX, INTERNAL_PREFIX, type TenantsAppDeps } from './tenants-app';
export { STATUS_TRANSITIONS, canTransition } from './tenants/tenant-status';
export { MAX_ACTIVE_KEYS } from './api-keys/api-keys';
export { EVENT_SOURCE } from './events';
