export { createLogger, type Logger, type LoggerOptions, type LogLevelName } from './logger';
export { recordHttpServerRequest, type HttpServerRequestRecord } from './http-metrics';
export { getLogContext, runWithLogContext, runWithRequestId, setLogContext, type LogContext } from './log-context';
export {
  HTTP_DURATION_BUCKETS_SECONDS,
  MetricAttributes,
  MetricNames,
  PrometheusLabels,
  PrometheusNames,
  UNMATCHED_ROUTE,
  type MetricAttributeKey,
  type MetricName,
} from './metric-names';
export { getMeter, metricsHandler, PROMETHEUS_CONTENT_TYPE } from './metrics';
export { PreBoundCounter, type BoundCounter } from './pre-bound-counter';
export { REDACTED, SENSITIVE_KEYS } from './redaction';
export { detachInstrumentedServerSide, withServerSpans, type ServerSpanOptions } from './server-spans';
export { shutdownTelemetry } from './shutdown';
export { getTracer } from './tracing';
