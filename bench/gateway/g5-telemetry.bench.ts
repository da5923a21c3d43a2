import { readFile } from 'node:fs/promises';
import { formatNumber, type ScenarioResult } from '../lib/report';
import { allResponses, cpuCostLine, cpuLine, efficiencyRatioOf, interleave, measurementOf, ratioOf } from './compare';
import { cachedGatewayVariant, expectCacheHit } from './g1-cached-get.bench';
import { gatewayScenario, GatewayStack } from './stack';

const METRICS_OFF = './bench/gateway/servers/metrics-off.ts';

interface SinkStats {
  exports: number;
  bytes: number;
}

async function sinkStats(url: string): Promise<SinkStats> {
  return (await (await fetch(`${url}/stats`)).json()) as SinkStats;
}

/**
 * G5: what telemetry costs the gateway on a cached GET (the path where the gateway's own work is all
 * there is). Four gateway processes, identical but for OpenTelemetry's standard variables:
 * - traced: OTEL_TRACES_EXPORTER=otlp to a local sink (a child process), OTEL_TRACES_SAMPLER=always_on;
 * - untraced: OTEL_TRACES_EXPORTER=none (the SDK registers no tracer provider: the instrumentations
 *   still wrap http/express but every span is the API's non-recording one);
 * - untraced, metrics off: the same plus the bench's metrics-off hook (the product has no switch);
 * - the main gateway, no OTEL_* at all: the default, where spans are recorded and dropped (not exported).
 */
export const telemetry = gatewayScenario({
  id: 'G5',
  title: 'Gateway: tracing on (100% sampled, OTLP export) vs off; metrics on vs off',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    const sink = await stack.startBenchServer('otlp-sink', 'bench/gateway/servers/otlp-sink.ts', (port) => [String(port)]);
    const [traced, untraced, noMetrics] = await Promise.all([
      stack.startGateway('gateway-traced', {
        env: {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
          OTEL_TRACES_SAMPLER: 'always_on',
        },
      }),
      stack.startGateway('gateway-untraced', { env: { OTEL_TRACES_EXPORTER: 'none' } }),
      stack.startGateway('gateway-untraced-no-metrics', { env: { OTEL_TRACES_EXPORTER: 'none' }, preload: [METRICS_OFF] }),
    ]);
    await Promise.all([traced, untraced, noMetrics, stack.gateway].map((gateway) => expectCacheHit(stack, gateway.url)));
    const metricsOffAnswer = await fetch(`${noMetrics.operatorUrl ?? noMetrics.url}/metrics`).then((response) => response.status);
    const sinkBefore = await sinkStats(sink.url);

    const [on, off, bare, defaults] = await interleave(
      [
        cachedGatewayVariant('gateway traced: OTLP export, always_on: cached GET', stack, traced),
        cachedGatewayVariant('gateway untraced (OTEL_TRACES_EXPORTER=none): cached GET', stack, untraced),
        cachedGatewayVariant('gateway untraced, metrics off (bench hook): cached GET', stack, noMetrics),
        cachedGatewayVariant(
          'gateway default (no OTEL_*: nothing exported, spans recorded only for a sampled traceparent): cached GET',
          stack,
          stack.gateway,
        ),
      ],
      { servers: stack.serverPids },
    );
    if (!on || !off || !bare || !defaults) throw new Error('missing variant');
    const sinkAfter = await sinkStats(sink.url);
    const tracedLog = await readFile(traced.child.logFile, 'utf8').catch(() => '');

    result.measurements.push(measurementOf(on), measurementOf(off), measurementOf(bare), measurementOf(defaults));
    result.ratios.push(
      ratioOf('tracing on (100% sampled, exported) / off', on, off, { subject: 'traced', baseline: 'untraced' }, 0.8),
      ratioOf('metrics on / off (tracing off in both)', off, bare, { subject: 'metrics on', baseline: 'metrics off' }, 0.95),
      ratioOf('default config (nothing exported, no span recorded) / tracing off', defaults, off, {
        subject: 'default',
        baseline: 'untraced',
      }),
      efficiencyRatioOf('tracing on / off', on, off, { subject: 'traced', baseline: 'untraced' }),
      efficiencyRatioOf('metrics on / off', off, bare, { subject: 'metrics on', baseline: 'metrics off' }),
    );
    const requests = allResponses(on);
    result.facts.push(
      {
        label: 'OTLP sink',
        value: `${formatNumber(sinkAfter.exports - sinkBefore.exports)} export requests, ${formatNumber((sinkAfter.bytes - sinkBefore.bytes) / 1024)} KiB for ${formatNumber(requests)} traced requests (${formatNumber((sinkAfter.bytes - sinkBefore.bytes) / Math.max(1, requests))} B per request)`,
      },
      { label: 'traced gateway log lines mentioning dropped spans', value: String((tracedLog.match(/drop/gi) ?? []).length) },
      {
        label: 'metrics off',
        value: `no product switch: a preload marks the telemetry state as having a Prometheus reader, so the SDK registers no meter provider and every instrument is a no-op (its /metrics answered ${metricsOffAnswer})`,
      },
      { label: 'CPU per request', value: cpuCostLine([on, off, bare, defaults]) },
      { label: 'CPU during the runs (100% = one core)', value: [on, off, bare, defaults].map(cpuLine).join('; ') },
    );
  },
});
