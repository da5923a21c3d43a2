import { createNoopMeter, diag, metrics, type MeterProvider } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, NoopSpanProcessor, ParentBasedSampler, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { telemetryState } from './state';
import { UNTRACED_PATHS } from './untraced-paths';

export interface StartTelemetryOptions {
  /** Install the HTTP and express instrumentations (default true; in-process tests turn them off). */
  instrumentations?: boolean;
  /** Override where spans go (tests pass an in-memory exporter); otherwise decided from `OTEL_*`. */
  spanProcessors?: SpanProcessor[];
}

/**
 * Starts the OpenTelemetry SDK, configured by the standard `OTEL_*` variables only:
 * - traces: `OTEL_TRACES_EXPORTER` as the SDK reads it; when unset, OTLP/protobuf if
 *   `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` is set, else nothing is exported: spans are then recorded only
 *   when the caller's traceparent asks for it (parent-based, always off at the root, unless
 *   `OTEL_TRACES_SAMPLER` says otherwise), and every other request gets a non-recording span whose
 *   trace id still correlates logs and propagates to upstream calls and events, at no recording cost;
 *   sampling by `OTEL_TRACES_SAMPLER(_ARG)` (default parent-based always-on when exported);
 * - W3C trace context + baggage propagation (`OTEL_PROPAGATORS` to change);
 * - metrics: pulled through `metricsHandler` on each service's own port (no exporter server);
 * - resource: `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, `service.name=tenantry` if neither.
 * Idempotent. Called by `register.ts`, which must load before application code.
 */
export function startTelemetry(options: StartTelemetryOptions = {}): void {
  const state = telemetryState();
  if (state.sdkStarted) return;
  // OTEL_SDK_DISABLED turns off the SDK (no spans, no instrumentation). `/metrics` is part of the product,
  // not of the SDK: it keeps working from the meter provider `getMeter` makes on first use.
  if ((process.env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return;
  // Metrics recorded before this call went to a lazily made provider; keep it rather than split the data.
  const metricsAlreadyInUse = state.prometheus !== undefined;
  if (metricsAlreadyInUse)
    diag.warn('@tenantry/telemetry: metrics were recorded before register.ts ran; load it with --import before app code');
  const prometheus = state.prometheus ?? new PrometheusExporter({ preventServerStart: true });
  const instrumentations = options.instrumentations === false ? [] : defaultInstrumentations();
  const spanProcessors = options.spanProcessors ?? spanProcessorsFromEnv(process.env);
  const sampler = options.spanProcessors ? undefined : samplerFromEnv(process.env);
  const sdk = startNodeSdk({
    instrumentations,
    spanProcessors,
    ...(sampler ? { sampler } : {}),
    metricReaders: metricsAlreadyInUse ? [] : [prometheus],
    logRecordProcessors: [],
    resourceAttributes: hasServiceName(process.env) ? undefined : { [ATTR_SERVICE_NAME]: 'tenantry' },
  });
  // The HTTP instrumentation's server histogram duplicates `tenantry.http.server.request.duration` (which
  // has the service and route template) and costs a hashed attribute set on every request even when a view
  // drops it: give it a meter whose server histogram records nothing (client metrics stay). The SDK hands
  // instrumentations the global meter at start, so this comes after.
  for (const instrumentation of instrumentations) {
    if (instrumentation instanceof HttpInstrumentation) instrumentation.setMeterProvider(withoutServerDuration(metrics.getMeterProvider()));
  }
  const previousShutdown = state.shutdown;
  state.prometheus = prometheus;
  state.meterProvider = metrics.getMeterProvider();
  state.shutdown = async () => {
    await sdk.shutdown();
    await previousShutdown?.();
  };
  state.sdkStarted = true;
}

function defaultInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    // Route handler spans name the route; a span per middleware would cost more than it tells.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
  ];
}

/** `undefined` lets the SDK read `OTEL_TRACES_EXPORTER` (default otlp) itself. */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv): SpanProcessor[] | undefined {
  const configured = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (configured('OTEL_TRACES_EXPORTER')) return undefined;
  if (configured('OTEL_EXPORTER_OTLP_ENDPOINT') || configured('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')) return undefined;
  return [new NoopSpanProcessor()];
}

/**
 * Without an exporter, recording a span only to drop it costs a request's attributes, events and
 * bookkeeping for nothing: parent-based always-off instead (ids are still made and propagated). An
 * explicit `OTEL_TRACES_SAMPLER`, or any exporter, leaves sampling to the SDK. Undefined: the SDK decides.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv): Sampler | undefined {
  if ((env['OTEL_TRACES_SAMPLER'] ?? '').trim() !== '') return undefined;
  if (spanProcessorsFromEnv(env) === undefined) return undefined;
  return new ParentBasedSampler({ root: new AlwaysOffSampler() });
}

function hasServiceName(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['OTEL_SERVICE_NAME']?.trim()) || /(^|,)\s*service\.name\s*=/.test(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '');
}

const INSTRUMENTATION_SERVER_DURATIONS = new Set(['http.server.request.duration', 'http.server.duration']);

function withoutServerDuration(provider: MeterProvider): MeterProvider {
  const noop = createNoopMeter();
  return {
    getMeter(name, version, options) {
      const meter = provider.getMeter(name, version, options);
      return new Proxy(meter, {
        get(target, property, receiver) {
          if (property !== 'createHistogram') return Reflect.get(target, property, receiver) as unknown;
          return (instrument: string, histogramOptions?: Parameters<typeof meter.createHistogram>[1]) =>
            INSTRUMENTATION_SERVER_DURATIONS.has(instrument)
              ? noop.createHistogram(instrument, histogramOptions)
              : target.createHistogram(instrument, histogramOptions);
        },
      });
    },
  };
}
