/**
 * G5's "metrics off": there is no switch for metrics in the product (the telemetry register always
 * installs the Prometheus reader, and `getMeter` makes one on first use otherwise), so the bench loads
 * this before `register.ts`:
 *   node --import tsx --import ./bench/gateway/servers/metrics-off.ts --import ./libs/platform/telemetry/src/register.ts …
 * It marks the process's telemetry state as already having a Prometheus reader; `startTelemetry` then
 * starts the SDK (tracing, instrumentations) without any metric reader, no meter provider is
 * registered, and every instrument the services create is the OpenTelemetry API's no-op. `/metrics`
 * of such a process answers 500 (that reader is bound to nothing). Only for measuring the cost of metrics.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

const STATE_KEY = Symbol.for('tenantry.telemetry.state');
(globalThis as Record<symbol, unknown>)[STATE_KEY] = {
  sdkStarted: false,
  prometheus: new PrometheusExporter({ preventServerStart: true }),
};
