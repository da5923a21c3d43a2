export { buildObservabilityApp, observabilityService, type ObservabilityAppDependencies } from './app';
