import { context, type Context, type Span } from '@opentelemetry/api';
import { InvalidEventError, parseEventJson, type EventType, type TenantryEvent, type TenantryEventOf } from '@tenantry/contracts';
import type { Logger } from 'pino';
import { asError, backoffDelayMs, delay, errorMessage } from './backoff';
import type { DeadLetterFailure } from './dead-letter';
import type { EventHandler, RetryPolicy } from './event-bus';
import type { ProcessedEventStore } from './ports';
import { HEADER, REPLAY_HEADER, type DeliveredRecord } from './records';
import { endSpan, startConsumerSpan, type MessagingSystem } from './tracing';

/**
 * What happens to one delivered message, the same for every adapter: skip a replay meant for another
 * group, decode and validate (poison → DLQ), skip ids the group already processed, run the handler with retries and backoff, DLQ after
 * the last attempt, record the id. The adapter acknowledges (commits) the message only for an outcome
 * other than `abandoned`.
 */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'dead-lettered' | 'not-for-this-group' | 'abandoned';

export interface DeliveryDeps<T extends EventType> {
  system: MessagingSystem;
  groupId: string;
  /** The event type a topic carries, to reject events published to the wrong topic. */
  expectedTypeOf(topic: string): EventType | undefined;
  handler: EventHandler<T>;
  retry: RetryPolicy;
  processedEvents?: ProcessedEventStore;
  logger: Logger;
  /** Writes the message to its `.dlq` topic; resolves once the broker acknowledged it. */
  deadLetter(record: DeliveredRecord, failure: DeadLetterFailure): Promise<void>;
  /** Soft stop: no new attempt starts, the running one may finish. */
  drain: AbortSignal;
  /** Hard stop: give up on the message now, unacknowledged (it will be redelivered). */
  abandon: AbortSignal;
  /** Called every `keepAliveIntervalMs` while a handler or a backoff is in progress (Kafka heartbeats). */
  keepAlive?: () => Promise<void>;
  keepAliveIntervalMs?: number;
}

/** What the steps below return when the delivery was given up (drain or abandon signal). */
export const ABANDONED = Symbol('abandoned');
export type Abandoned = typeof ABANDONED;

/** The CONSUMER span of one delivered message, a child of its producer's span (W3C context in its headers). */
export function consumerSpanOf(
  record: DeliveredRecord,
  deps: Pick<DeliveryDeps<EventType>, 'system' | 'groupId'>,
): { span: Span; context: Context } {
  return startConsumerSpan(record.headers, {
    system: deps.system,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    groupId: deps.groupId,
    messageId: record.headers[HEADER.id],
  });
}

export async function deliver<T extends EventType>(record: DeliveredRecord, deps: DeliveryDeps<T>): Promise<DeliveryOutcome> {
  const { span, context: spanContext } = consumerSpanOf(record, deps);
  const stopKeepAlive = startKeepAlive(deps);
  try {
    const outcome = await context.with(spanContext, () => deliverInSpan(record, deps, span));
    span.setAttribute('tenantry.delivery.outcome', outcome);
    endSpan(span);
    return outcome;
  } catch (error) {
    endSpan(span, error);
    throw error;
  } finally {
    stopKeepAlive();
  }
}

async function deliverInSpan<T extends EventType>(record: DeliveredRecord, deps: DeliveryDeps<T>, span: Span): Promise<DeliveryOutcome> {
  const { logger, groupId, retry, processedEvents } = deps;
  const where = { groupId, topic: record.topic, partition: record.partition, offset: record.offset, tenantId: record.key ?? undefined };

  const decoded = await decodeOrDeadLetter(record, deps);
  if ('outcome' in decoded) return decoded.outcome;
  const { event } = decoded;
  const about = { ...where, eventId: event.id, eventType: event.type, tenantId: event.subject };

  if (processedEvents) {
    const processed = await untilSuccess(
      () => processedEvents.isProcessed(groupId, event.id),
      deps,
      [deps.drain, deps.abandon],
      'check the processed-event store',
    );
    if (processed === ABANDONED) return 'abandoned';
    if (processed) {
      logger.debug(about, 'Event {eventId} already processed by {groupId}: skipped');
      return 'duplicate';
    }
  }

  for (let attempt = 1; ; attempt += 1) {
    try {
      // decode() checked that the event's type is the one its topic carries, one of the subscribed T.
      const typedEvent = event as unknown as TenantryEventOf<T>;
      const result = await abandonable(
        deps.handler(typedEvent, {
          groupId,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          attempt,
          signal: deps.abandon,
        }),
        deps.abandon,
      );
      span.setAttribute('tenantry.delivery.attempts', attempt);
      if (result === ABANDONED) {
        logger.warn(about, 'Handler of {eventType} abandoned at the stop deadline: the event will be redelivered');
        return 'abandoned';
      }
      break;
    } catch (error) {
      span.addEvent('handler failed', { attempt, 'exception.message': errorMessage(error) });
      if (attempt >= retry.maxAttempts) {
        logger.error(
          { ...about, attempt, err: asError(error) },
          'Handler of {eventType} failed {attempt} times: moving the event to the dead-letter topic',
        );
        return moveToDeadLetter(record, { reason: 'handler-failed', error: asError(error), attempts: attempt, groupId }, deps);
      }
      const waitMs = backoffDelayMs(attempt, retry);
      logger.warn(
        { ...about, attempt, waitMs, err: asError(error) },
        'Handler of {eventType} failed (attempt {attempt}); retrying in {waitMs} ms',
      );
      if (deps.drain.aborted || !(await delay(waitMs, deps.drain, deps.abandon))) return 'abandoned';
    }
  }

  if (processedEvents) {
    // The handler succeeded: only a hard stop may interrupt recording it.
    const marked = await untilSuccess(
      () => processedEvents.markProcessed(groupId, event.id),
      deps,
      [deps.abandon],
      'record the processed event',
    );
    if (marked === ABANDONED) return 'abandoned';
  }
  return 'handled';
}

/**
 * The record's event; or `not-for-this-group` for a message replayed from a dead-letter topic for
 * another group (acknowledged without handling: it is not this group's); or the outcome of moving it to
 * the DLQ when it is poison (not a valid event of its topic).
 */
export async function decodeOrDeadLetter<T extends EventType>(
  record: DeliveredRecord,
  deps: DeliveryDeps<T>,
): Promise<{ event: TenantryEvent } | { outcome: DeliveryOutcome }> {
  const replayedFor = record.headers[REPLAY_HEADER.forGroup];
  if (replayedFor !== undefined && replayedFor !== deps.groupId) return { outcome: 'not-for-this-group' };
  try {
    return { event: decode(record, deps.expectedTypeOf(record.topic)) };
  } catch (error) {
    const where = {
      groupId: deps.groupId,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      tenantId: record.key ?? undefined,
    };
    deps.logger.error({ ...where, err: asError(error) }, 'Poison message on {topic}: moving it to the dead-letter topic');
    return {
      outcome: await moveToDeadLetter(record, { reason: 'poison', error: asError(error), attempts: 0, groupId: deps.groupId }, deps),
    };
  }
}

function decode(record: DeliveredRecord, expectedType: EventType | undefined): TenantryEvent {
  if (!expectedType) throw new InvalidEventError('malformed', `Message on ${record.topic}, a topic this subscription does not read`);
  if (!record.value || record.value.length === 0) throw new InvalidEventError('malformed', 'Empty message');
  const event = parseEventJson(record.value);
  if (event.type !== expectedType) {
    throw new InvalidEventError('malformed', `Event of type ${event.type} on the topic of ${expectedType}`);
  }
  return event;
}

async function moveToDeadLetter<T extends EventType>(
  record: DeliveredRecord,
  failure: DeadLetterFailure,
  deps: DeliveryDeps<T>,
): Promise<DeliveryOutcome> {
  const moved = await untilSuccess(() => deps.deadLetter(record, failure), deps, [deps.abandon], 'write to the dead-letter topic');
  return moved === ABANDONED ? 'abandoned' : 'dead-lettered';
}

/**
 * Infrastructure steps (processed-event store, DLQ write) are not the handler's fault: they are retried
 * with backoff until they succeed or the delivery is given up, never counted as handler attempts.
 */
async function untilSuccess<R, T extends EventType>(
  operation: () => Promise<R>,
  deps: DeliveryDeps<T>,
  stopOn: AbortSignal[],
  what: string,
): Promise<R | Abandoned> {
  for (let attempt = 1; ; attempt += 1) {
    if (stopOn.some((signal) => signal.aborted)) return ABANDONED;
    try {
      const result = await abandonable(operation(), deps.abandon);
      return result;
    } catch (error) {
      const waitMs = backoffDelayMs(attempt, deps.retry);
      deps.logger.warn({ groupId: deps.groupId, attempt, waitMs, err: asError(error) }, `Could not ${what}; retrying in {waitMs} ms`);
      if (!(await delay(waitMs, ...stopOn))) return ABANDONED;
    }
  }
}

/** Waits for `work` unless `signal` aborts first; `work` may then go on in the background, ignored. */
export function abandonable<R>(work: Promise<R>, signal: AbortSignal): Promise<R | Abandoned> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(ABANDONED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      resolve(ABANDONED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export function startKeepAlive<T extends EventType>(deps: DeliveryDeps<T>): () => void {
  const { keepAlive, keepAliveIntervalMs = 1_000 } = deps;
  if (!keepAlive) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    keepAlive()
      .catch((error: unknown) => deps.logger.debug({ groupId: deps.groupId, err: asError(error) }, 'keep-alive failed'))
      .finally(() => {
        running = false;
      });
  }, keepAliveIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
