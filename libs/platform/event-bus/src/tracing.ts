import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { CloudEvent } from '@tenantry/contracts';
import { HEADER } from './records';

/**
 * Producer and consumer spans with the OpenTelemetry API only: the SDK (exporters, propagator,
 * context manager) is set up by the telemetry library. Without an SDK these are no-ops.
 */
const TRACER_NAME = '@tenantry/event-bus';

export type MessagingSystem = 'kafka' | 'in_memory';

/** Messaging semantic-convention attribute names (stable subset of `messaging.*`). */
export const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  batchCount: 'messaging.batch.message_count',
} as const;

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * The context a producer span starts in: the event's own trace context when it has one (it was
 * captured when the event was written to the outbox), else whatever is active (a direct publish).
 */
function producerParent(event: CloudEvent): Context {
  if (!event.traceparent) return context.active();
  const carrier: Record<string, string> = { traceparent: event.traceparent };
  if (event.tracestate) carrier['tracestate'] = event.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

export interface ProducerTrace {
  span: Span;
  /** `traceparent` / `tracestate` of the producer span, for the message headers. */
  headers: Record<string, string>;
}

export function startProducerSpan(event: CloudEvent, topic: string, system: MessagingSystem): ProducerTrace {
  const parent = producerParent(event);
  const span = tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [MESSAGING.system]: system,
        [MESSAGING.destination]: topic,
        [MESSAGING.operationType]: 'send',
        [MESSAGING.operationName]: 'send',
        [MESSAGING.messageId]: event.id,
        [MESSAGING.kafkaKey]: event.subject,
      },
    },
    parent,
  );
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), headers);
  return { span, headers };
}

export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** The producer's context from the message headers (falling back to the event's own traceparent). */
export function extractConsumerParent(headers: Record<string, string>): Context {
  const carrier: Record<string, string> = {};
  const traceparent = headers[HEADER.traceparent];
  if (traceparent) {
    carrier['traceparent'] = traceparent;
    const tracestate = headers[HEADER.tracestate];
    if (tracestate) carrier['tracestate'] = tracestate;
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

export interface ConsumerSpanInfo {
  system: MessagingSystem;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  groupId: string;
  messageId?: string;
}

/** A CONSUMER span, child of the producer span whose context the message headers carry. */
export function startConsumerSpan(headers: Record<string, string>, info: ConsumerSpanInfo): { span: Span; context: Context } {
  const parent = extractConsumerParent(headers);
  const span = tracer().startSpan(
    `process ${info.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MESSAGING.system]: info.system,
        [MESSAGING.destination]: info.topic,
        [MESSAGING.operationType]: 'process',
        [MESSAGING.operationName]: 'process',
        [MESSAGING.consumerGroup]: info.groupId,
        [MESSAGING.partition]: String(info.partition),
        [MESSAGING.kafkaOffset]: Number(info.offset),
        ...(info.key === null ? {} : { [MESSAGING.kafkaKey]: info.key }),
        ...(info.messageId ? { [MESSAGING.messageId]: info.messageId } : {}),
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}
