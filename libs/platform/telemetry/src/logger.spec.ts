import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { getLogContext, runWithLogContext, setLogContext } from './log-context';
import { createLogger } from './logger';
import { startTelemetry } from './sdk';
import { shutdownTelemetry } from './shutdown';
import { captureLogs } from './test-support/capture';
import { getTracer } from './tracing';

describe('createLogger: correlation fields', () => {
  // The real SDK (context manager, tracer provider) without instrumentations or export.
  beforeAll(() => startTelemetry({ instrumentations: false, spanProcessors: [new NoopSpanProcessor()] }));
  afterAll(() => shutdownTelemetry());

  it('when logging, then the line is JSON with service, level name, ISO time and message', () => {
    const logs = captureLogs();
    createLogger({ service: 'billing', destination: logs }).info({ invoiceId: 'inv_1' }, 'invoice issued');
    expect(logs.lines()[0]).toMatchObject({ service: 'billing', level: 'info', msg: 'invoice issued', invoiceId: 'inv_1' });
    expect(logs.lines()[0]?.['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('when logging inside an active span, then the line carries its trace and span ids', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'tenants', destination: logs });
    const ids = getTracer('test').startActiveSpan('create tenant', (span) => {
      logger.info('inside the span');
      span.end();
      return span.spanContext();
    });
    logger.info('outside any span');
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(logs.lines()[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(logs.lines()[1]).not.toHaveProperty('trace_id');
  });

  it('when logging inside a log context, then tenant and request ids are on every line, also after awaits', async () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'gateway', destination: logs });
    await runWithLogContext({ requestId: 'req-1' }, async () => {
      logger.info('before authentication');
      expect(setLogContext({ tenantId: 'ten_42' })).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('after authentication');
    });
    logger.info('outside the context');
    const [before, after, outside] = logs.lines();
    expect(before).toMatchObject({ request_id: 'req-1' });
    expect(before).not.toHaveProperty('tenant_id');
    expect(after).toMatchObject({ request_id: 'req-1', tenant_id: 'ten_42' });
    expect(outside).not.toHaveProperty('request_id');
  });

  it('when a nested context adds fields, then they do not leak into the outer context', () => {
    runWithLogContext({ requestId: 'outer' }, () => {
      runWithLogContext({ tenantId: 'inner-tenant' }, () => {
        expect(getLogContext()).toEqual({ requestId: 'outer', tenantId: 'inner-tenant' });
      });
      expect(getLogContext()).toEqual({ requestId: 'outer' });
    });
    expect(setLogContext({ tenantId: 'nowhere' })).toBe(false);
  });
});

describe('createLogger: redaction', () => {
  const tenantKey = 'tnt_9fKz3qLmW2xYb7RtPq0sVd4e';

  function logOnce(log: (logger: ReturnType<typeof createLogger>) => void, secretValues?: string[]): string {
    const logs = captureLogs();
    log(createLogger({ service: 'gateway', destination: logs, secretValues }));
    expect(logs.raw).toHaveLength(1);
    return logs.raw[0] ?? '';
  }

  it('when request headers carry credentials, then authorization, cookie and x-api-key are redacted', () => {
    const line = logOnce((logger) =>
      logger.info(
        {
          req: {
            method: 'GET',
            headers: { authorization: 'Bearer abc.def', cookie: 'sid=s3ss10n', 'x-api-key': 'k-123456', accept: 'json' },
          },
        },
        'request',
      ),
    );
    const headers = (JSON.parse(line) as { req: { headers: Record<string, string> } }).req.headers;
    expect(headers).toEqual({ authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'json' });
    expect(line).not.toMatch(/abc\.def|s3ss10n|k-123456/);
  });

  it('when a secret sits deep in an object or is not a string, then it is still redacted', () => {
    const line = logOnce((logger) =>
      logger.warn(
        {
          upstream: { call: { request: { options: { headers: { Authorization: 'Basic dXNlcjpwYXNz' } } } } },
          user: { password: 12345678 },
          response: { headers: { 'set-cookie': ['a=secret-cookie-1', 'b=secret-cookie-2'] } },
          apiKey: 'plain-api-key-value',
        },
        'upstream failed',
      ),
    );
    expect(line).not.toMatch(/dXNlcjpwYXNz|12345678|secret-cookie|plain-api-key-value/);
    expect(line).toContain('[REDACTED]');
  });

  it('when a tenant API key appears anywhere (message, field, error), then it never reaches the output', () => {
    const withMessage = logOnce((logger) => logger.info('rotated key %s for tenant', tenantKey));
    const withField = logOnce((logger) => logger.info({ note: `client sent ?api_key=${tenantKey}&x=1` }, 'odd query'));
    const withError = logOnce((logger) => logger.error({ err: new Error(`key ${tenantKey} is revoked`) }, 'authentication failed'));
    for (const line of [withMessage, withField, withError]) {
      expect(line).not.toContain(tenantKey);
      expect(line).not.toContain(tenantKey.slice(4));
      expect(line).toContain('tnt_[REDACTED]');
    }
  });

  it('when a URL with a password is logged (e.g. in a connection error), then the password is replaced', () => {
    const line = logOnce((logger) => logger.error({ err: new Error('connect to mongodb://admin:hunter2@db:27017/t failed') }, 'db down'));
    expect(line).not.toContain('hunter2');
    expect(line).toContain('mongodb://admin:[REDACTED]@db:27017/t');
  });

  it('when configured secret values (admin key) appear in a line, then they are replaced', () => {
    const adminKey = 'Zx8-admin-key-9f8e7d6c5b4a';
    const line = logOnce((logger) => logger.info({ detail: `compare with ${adminKey}` }, 'checking'), [adminKey]);
    expect(line).not.toContain(adminKey);
  });

  it('when nothing sensitive is logged, then the line is unchanged', () => {
    const line = logOnce((logger) => logger.info({ tenantId: 'ten_1', tokens: 3, tokenizer: 'x' }, 'fine'));
    expect(JSON.parse(line)).toMatchObject({ tenantId: 'ten_1', tokens: 3, tokenizer: 'x', msg: 'fine' });
  });
});
