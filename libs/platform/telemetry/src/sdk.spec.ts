import { SamplingDecision, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { NoopSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import { samplerFromEnv, spanProcessorsFromEnv } from './sdk';

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

describe('samplerFromEnv', () => {
  const decide = (sampler: ParentBasedSampler, parentFlags?: TraceFlags) => {
    const context =
      parentFlags === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, {
            traceId: '0af7651916cd43dd8448eb211c80319c',
            spanId: 'b7ad6b7169203331',
            traceFlags: parentFlags,
          });
    return sampler.shouldSample(context, '0af7651916cd43dd8448eb211c80319c', 'GET', SpanKind.SERVER, {}, []).decision;
  };

  it('when nothing is exported, then only requests whose traceparent is sampled are recorded (the rest get non-recording spans, ids still propagated)', () => {
    const sampler = samplerFromEnv({});
    expect(sampler).toBeInstanceOf(ParentBasedSampler);
    expect(decide(sampler as ParentBasedSampler)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(sampler as ParentBasedSampler, TraceFlags.NONE)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(sampler as ParentBasedSampler, TraceFlags.SAMPLED)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it.each([
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
    { OTEL_TRACES_EXPORTER: 'otlp' },
    { OTEL_TRACES_SAMPLER: 'always_on' },
  ])('when %j is set, then sampling is left to the SDK', (env) => {
    expect(samplerFromEnv(env)).toBeUndefined();
  });
});
