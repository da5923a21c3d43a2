import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { telemetryState } from './state';

/** Prometheus text exposition format, as scrapers expect it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A meter for recording metrics (names from `MetricNames`). Backed by the SDK's meter provider when
 * `register.ts` started it; otherwise (unit tests, library use) by a provider made on first use, so
 * `/metrics` always shows what was recorded.
 */
export function getMeter(name: string, version?: string): Meter {
  return ensureMeterProvider().getMeter(name, version);
}

function ensureMeterProvider() {
  const state = telemetryState();
  if (state.meterProvider && state.prometheus) return state.meterProvider;
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [prometheus] });
  // Instrumentation libraries record through the global provider; make it ours unless one is set.
  metrics.setGlobalMeterProvider(provider);
  state.prometheus = prometheus;
  state.meterProvider = provider;
  state.shutdown = async () => {
    await provider.shutdown();
    metrics.disable();
  };
  return provider;
}

const serializer = new PrometheusSerializer();

async function collect(prometheus: PrometheusExporter) {
  const { resourceMetrics } = await prometheus.collect();
  // Host and process detectors settle asynchronously; a scrape right after start must wait for them.
  await resourceMetrics.resource.waitForAsyncAttributes?.();
  return resourceMetrics;
}

/**
 * Request handler serving every metric of this process in Prometheus text format. Mount it on the
 * service's own port (`app.get('/metrics', metricsHandler)`); the exporter runs no server of its own.
 */
export function metricsHandler(_request: IncomingMessage, response: ServerResponse): void {
  ensureMeterProvider();
  const { prometheus } = telemetryState();
  if (!prometheus) throw new Error('metrics reader missing after initialisation');
  collect(prometheus).then(
    (resourceMetrics) => {
      response.statusCode = 200;
      response.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
      response.setHeader('Cache-Control', 'no-store');
      response.end(serializer.serialize(resourceMetrics));
    },
    (error: unknown) => {
      response.statusCode = 500;
      response.setHeader('Content-Type', 'text/plain; charset=utf-8');
      response.end(`# metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  );
}
