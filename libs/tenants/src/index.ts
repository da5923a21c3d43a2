export { buildTenantsApp, tenantsService, type TenantsAppDependencies } from './app';
