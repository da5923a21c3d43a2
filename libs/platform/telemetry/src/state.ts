import type { MeterProvider } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/**
 * Process-wide telemetry state. It lives on `globalThis` under a registered symbol, not in a module
 * variable, because `register.ts` (loaded with `--import`) and the application may load this library
 * as two module instances (ESM loader vs require); both must see the one SDK and Prometheus reader.
 */
export interface TelemetryState {
  /** The Prometheus reader `/metrics` serializes; created by the SDK start or lazily. */
  prometheus?: PrometheusExporter;
  meterProvider?: MeterProvider;
  /** Shuts down whatever was started (SDK or the lazily made meter provider), flushing spans. */
  shutdown?: () => Promise<void>;
  /** True when `register.ts` started the SDK (tracing, instrumentations) in this process. */
  sdkStarted: boolean;
}

const STATE_KEY = Symbol.for('tenantry.telemetry.state');

type GlobalWithState = typeof globalThis & { [STATE_KEY]?: TelemetryState };

export function telemetryState(): TelemetryState {
  const holder = globalThis as GlobalWithState;
  holder[STATE_KEY] ??= { sdkStarted: false };
  return holder[STATE_KEY];
}

export function resetTelemetryState(): void {
  (globalThis as GlobalWithState)[STATE_KEY] = { sdkStarted: false };
}
