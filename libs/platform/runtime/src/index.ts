export {
  ALL_INFRASTRUCTURE,
  infrastructureFor,
  type InfrastructureNeeds,
  kafkaNamespaceOptions,
  openPlatform,
  type Platform,
} from './platform';
export {
  listenHost,
  runServices,
  type RunningServices,
  type RunServicesOptions,
  type ServiceContext,
  type ServiceDefinition,
  type StartedService,
} from './run-services';
export { notBuiltService } from './not-built-service';
export { DEFAULT_HOUSEKEEPING_INTERVAL_MS, Housekeeping, processedEventsPruning, type HousekeepingTask } from './housekeeping';
