export { observabilityService, observabilityServiceWith, type ObservabilityOptions } from './observability-service';
export { createObservabilityApp, API_PREFIX, type ObservabilityAppDeps } from './observability-app';
export { batchOfMetricRecorded, type MetricBatch } from './ingest/metric-batch';
export * from './slo-definitions/definitions';
