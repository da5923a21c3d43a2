import { hostname } from 'node:os';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { getLogContext } from './log-context';
import { createLineScrubber, redactSensitiveKeys } from './redaction';

export type { Logger } from 'pino';

export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  /** The service writing the lines (`gateway`, `tenants`, …); on every line as `service`. */
  service: string;
  level?: LogLevelName;
  /** Where lines go; stdout unless given (tests pass a stream to capture them). */
  destination?: DestinationStream;
  /** Literal secrets (ADMIN_API_KEY, INTERNAL_SECRET) scrubbed from every line, wherever they appear. */
  secretValues?: readonly string[];
}

/**
 * A pino JSON logger. Log with a constant message and the data in an object
 * (`logger.info({ tenantId }, 'tenant created')`) so lines group by message. Every line carries
 * `service`, `trace_id`/`span_id` of the active span, and `tenant_id`/`request_id` of the log context;
 * credentials are redacted by key (any depth) and by shape (`tnt_…` keys, `Bearer …`).
 */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = createLineScrubber(options.secretValues);
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: redactSensitiveKeys },
    mixin: correlationFields,
    hooks: { streamWrite: scrub },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

interface CorrelationFields {
  trace_id?: string;
  span_id?: string;
  tenant_id?: string;
  request_id?: string;
}

function correlationFields(): CorrelationFields {
  const fields: CorrelationFields = {};
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
  }
  const logContext = getLogContext();
  if (logContext?.tenantId) fields.tenant_id = logContext.tenantId;
  if (logContext?.requestId) fields.request_id = logContext.requestId;
  return fields;
}
