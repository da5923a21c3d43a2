import { createServer, type RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  StackContextManager,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { eventually } from '@tenantry/testing';
import { detachInstrumentedServerSide, withServerSpans } from './server-spans';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const parentSpanId = 'b7ad6b7169203331';

/** Answers with the active span as the listener saw it; `/fail` answers 503. */
const echoActiveSpan: RequestListener = (req, res) => {
  const span = trace.getActiveSpan();
  res.statusCode = req.url === '/fail' ? 503 : 200;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ traceId: span?.spanContext().traceId ?? null, recording: span?.isRecording() ?? false }));
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('withServerSpans (the platform makes the server span, the HTTP instrumentation does not)', () => {
  const exporter = new InMemorySpanExporter();
  const server = createServer(withServerSpans(echoActiveSpan, { routeOf: (req) => (req.url === '/fail' ? '/fail' : '/items/:id') }));
  let url: string;

  beforeAll(async () => {
    // As the product's default (nothing exported): parent-based, always off at the root.
    const provider = new TracerProvider({
      sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new StackContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    url = await listen(server);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => exporter.reset());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as { traceId: string | null; recording: boolean } };
  };
  /** A span ends when the server closes the response, which may come after the client read it. */
  const finishedSpans = (count: number) =>
    eventually(() => (exporter.getFinishedSpans().length >= count ? exporter.getFinishedSpans() : false), {
      timeoutMs: 5_000,
      description: `${count} finished span(s)`,
    });
  /** What was recorded up to a sampled request sent after the ones under test (responses close in order). */
  const recordedBeforeMarker = async () => {
    const marker = 'ffffffffffffffffffffffffffffffff';
    await get('/items/marker', { traceparent: `00-${marker}-${parentSpanId}-01` });
    await eventually(() => exporter.getFinishedSpans().some((span) => span.spanContext().traceId === marker), {
      timeoutMs: 5_000,
      description: 'the marker span',
    });
    return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId !== marker);
  };

  it('when a sampled traceparent arrives, then the request runs in a recording server span of that trace, exported when the response ends', async () => {
    const { body } = await get('/items/42?expand=all', {
      traceparent: `00-${traceId}-${parentSpanId}-01`,
      'user-agent': 'spec-client/1.0',
    });

    expect(body).toEqual({ traceId, recording: true });
    const spans = await finishedSpans(1);
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span?.name).toBe('GET /items/:id');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/items/42',
      'url.scheme': 'http',
      'network.peer.address': '127.0.0.1',
      'user_agent.original': 'spec-client/1.0',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
    });
  });

  it('when a propagator other than the W3C ones is configured, then it is asked even without a traceparent', async () => {
    // A propagator reading a header of its own (as b3 or jaeger do): the W3C shortcut must not skip it.
    propagation.disable();
    propagation.setGlobalPropagator({
      fields: () => ['x-custom-trace'],
      inject: () => undefined,
      extract: (ctx, carrier) => {
        const id = (carrier as Record<string, string | undefined>)['x-custom-trace'];
        return id ? trace.setSpanContext(ctx, { traceId: id, spanId: parentSpanId, traceFlags: 1, isRemote: true }) : ctx;
      },
    });
    try {
      const { body } = await get('/items/7', { 'x-custom-trace': traceId });

      expect(body).toEqual({ traceId, recording: true });
      const [span] = await finishedSpans(1);
      expect(span?.parentSpanContext?.spanId).toBe(parentSpanId);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });

  it('when the answer is a server error, then the span says so', async () => {
    await get('/fail', { traceparent: `00-${traceId}-${parentSpanId}-01` });

    const [span] = await finishedSpans(1);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['http.response.status_code']).toBe(503);
  });

  it('when the traceparent is not sampled, then the trace is continued by a non-recording span and nothing is recorded', async () => {
    const { body } = await get('/items/42', { traceparent: `00-${traceId}-${parentSpanId}-00` });

    expect(body).toEqual({ traceId, recording: false });
    expect(await recordedBeforeMarker()).toEqual([]);
  });

  it('when no traceparent arrives, then the request still gets a trace id of its own (for logs and upstream calls), unrecorded', async () => {
    const first = await get('/items/42');
    const second = await get('/items/42');

    expect(first.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(first.body.traceId).not.toBe('0'.repeat(32));
    expect(second.body.traceId).not.toBe(first.body.traceId);
    expect(first.body.recording).toBe(false);
    expect(await recordedBeforeMarker()).toEqual([]);
  });

  it.each(['/health', '/ready', '/metrics'])(
    'when %s is probed, then it runs outside any trace, even with a sampled traceparent',
    async (path) => {
      const { body } = await get(path, { traceparent: `00-${traceId}-${parentSpanId}-01` });

      expect(body).toEqual({ traceId: null, recording: false });
      expect(await recordedBeforeMarker()).toEqual([]);
    },
  );
});

describe('detachInstrumentedServerSide', () => {
  it('when the HTTP server prototype is patched (as the HTTP instrumentation does), then a detached server emits its requests unpatched', async () => {
    const seenByPatch: string[] = [];
    const prototype = Server.prototype as unknown as { emit: Server['emit'] };
    const original = prototype.emit;
    prototype.emit = function patched(this: Server, event: string | symbol, ...rest: unknown[]): boolean {
      if (event === 'request') seenByPatch.push('request');
      return Reflect.apply(original, this, [event, ...rest]) as boolean;
    } as Server['emit'];
    const detached = createServer((_req, res) => res.end('detached'));
    const patched = createServer((_req, res) => res.end('patched'));
    try {
      detachInstrumentedServerSide(detached);
      const [detachedUrl, patchedUrl] = [await listen(detached), await listen(patched)];

      expect(await (await fetch(detachedUrl)).text()).toBe('detached');
      expect(seenByPatch).toEqual([]);
      expect(await (await fetch(patchedUrl)).text()).toBe('patched');
      expect(seenByPatch).toEqual(['request']);
    } finally {
      delete (prototype as Partial<typeof prototype>).emit;
      await Promise.all([detached, patched].map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
