export { ConfigError, ConfigIssueCollector, type ConfigIssue } from './config-error';
export { loadConfigOrExit, orExit, parseEnv, type ConfigFailureReporter, type Env, type LoadConfigOptions } from './parse-env';
export {
  brokerList,
  duration,
  envField,
  flag,
  int,
  jsonField,
  kafkaNamespace,
  LOG_LEVELS,
  logLevel,
  mongoUri,
  oneOf,
  port,
  redisUrl,
  secret,
  url,
  type IntegerBounds,
  type LogLevel,
  type UrlOptions,
} from './fields';
export { describeInfra, detectInfra, infraEnvSchema, type InfraMode, type InfraSelection } from './infra';
export {
  DEFAULT_PORTS,
  loadPlatformConfig,
  MIN_SECRET_LENGTH,
  platformEnvSchema,
  platformEnvShape,
  resolveAdminKey,
  resolveInternalSecret,
  resolveSecret,
  SERVICE_NAMES,
  SUBSCRIPTION_TIERS,
  type PlatformConfig,
  type ResolvedSecret,
  type ServiceName,
  type SubscriptionTier,
} from './platform';
