import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

let exporter: InMemorySpanExporter | undefined;

/**
 * Registers (once per test file) a global tracer provider that keeps finished spans in memory and the
 * W3C trace-context propagator, as the telemetry library does in a real process.
 */
export function installTestTracing(): InMemorySpanExporter {
  if (!exporter) {
    exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  }
  return exporter;
}

export function spansOfMessage(spans: readonly ReadableSpan[], messageId: string): ReadableSpan[] {
  return spans.filter((span) => span.attributes['messaging.message.id'] === messageId);
}
