import { trace, type Tracer } from '@opentelemetry/api';

/** A tracer for manual spans (e.g. Kafka producer/consumer). A no-op unless `register.ts` started the SDK. */
export function getTracer(name: string, version?: string): Tracer {
  return trace.getTracer(name, version);
}
