import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { spanProcessorsFromEnv } from './sdk';

describe('spanProcessorsFromEnv', () => {
  it('when no OTLP endpoint or exporter is configured, then spans are made but not exported (no connection-refused noise)', () => {
    const processors = spanProcessorsFromEnv({});
    expect(processors).toHaveLength(1);
    expect(processors?.[0]).toBeInstanceOf(NoopSpanProcessor);
  });

  it.each([
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' },
    { OTEL_TRACES_EXPORTER: 'console' },
    { OTEL_TRACES_EXPORTER: 'none' },
  ])('when %j is set, then the SDK reads the OTEL_* variables itself', (env) => {
    expect(spanProcessorsFromEnv(env)).toBeUndefined();
  });
});
