import type { Span } from '@opentelemetry/api';
import type { EventType, TenantryEvent, TenantryEventOf } from '@tenantry/contracts';
import { asError, backoffDelayMs, delay, errorMessage } from './backoff';
import {
  ABANDONED,
  abandonable,
  consumerSpanOf,
  decodeOrDeadLetter,
  deliver,
  startKeepAlive,
  type DeliveryDeps,
  type DeliveryOutcome,
} from './delivery';
import type { BatchDelivery, BatchHandler } from './event-bus';
import type { DeliveredRecord } from './records';
import { endSpan, MESSAGING } from './tracing';

/**
 * What happens to a chunk of consecutive messages of one partition in batch mode: poison messages go
 * to the DLQ and are left out; the valid events go to the batch handler together, retried with the
 * retry policy's backoff; after its last failed attempt they go one by one through `deliver` (the
 * per-event handler, its retries and DLQ). Processed-event stores are not used: a batch handler is
 * idempotent by itself (assertValidSubscribeOptions rejects the combination).
 */
export interface BatchDeliveryDeps<T extends EventType> extends DeliveryDeps<T> {
  batchHandler: BatchHandler<T>;
}

interface Traced {
  record: DeliveredRecord;
  span: Span;
  /** Set once the message's fate is final (or given up on). */
  outcome?: DeliveryOutcome;
}

interface Decoded {
  message: Traced;
  event: TenantryEvent;
}

type BatchResult = { kind: 'handled'; attempts: number } | { kind: 'abandoned' } | { kind: 'failed'; error: Error; attempts: number };

/**
 * Delivers `records` (consecutive, of one topic-partition, in offset order) and returns how many of
 * them, from the first, have a final outcome: the adapter acknowledges exactly those. Fewer than all
 * only when the subscription drains or abandons the delivery; the rest is redelivered.
 */
export async function deliverBatch<T extends EventType>(records: readonly DeliveredRecord[], deps: BatchDeliveryDeps<T>): Promise<number> {
  // One CONSUMER span per message, child of its producer's span, ended when the message's fate is known.
  const traced: Traced[] = records.map((record) => ({ record, span: consumerSpanOf(record, deps).span }));
  const stopKeepAlive = startKeepAlive(deps);
  try {
    await deliverTraced(traced, deps);
    const pending = traced.findIndex(({ outcome }) => outcome === undefined || outcome === 'abandoned');
    return pending === -1 ? traced.length : pending;
  } catch (error) {
    for (const { span, outcome } of traced) if (outcome === undefined) endSpan(span, error);
    throw error;
  } finally {
    stopKeepAlive();
  }
}

async function deliverTraced<T extends EventType>(traced: readonly Traced[], deps: BatchDeliveryDeps<T>): Promise<void> {
  const valid: Decoded[] = [];
  for (const message of traced) {
    const decoded = await decodeOrDeadLetter(message.record, deps);
    if ('outcome' in decoded) {
      settle(message, decoded.outcome);
      if (decoded.outcome === 'abandoned') return;
    } else {
      valid.push({ message, event: decoded.event });
    }
  }
  if (valid.length === 0) return;
  for (const { message } of valid) message.span.setAttribute(MESSAGING.batchCount, valid.length);

  const result = await handleTogether(valid, deps);
  if (result.kind === 'handled') {
    for (const { message } of valid) settle(message, 'handled', result.attempts);
    return;
  }
  if (result.kind === 'abandoned') {
    for (const { message } of valid) settle(message, 'abandoned');
    return;
  }
  // The batch spans end in error; the per-event fallback has its own spans, as any delivery.
  for (const { message } of valid) {
    message.span.setAttribute('tenantry.delivery.attempts', result.attempts);
    message.span.setAttribute('tenantry.delivery.outcome', 'batch-failed');
    endSpan(message.span, result.error);
    message.outcome = 'abandoned';
  }
  for (const { message } of valid) {
    if (deps.drain.aborted) return; // a soft stop starts no new delivery: the rest is redelivered
    // The keep-alive of the whole chunk is still running: the fallback does not need its own.
    message.outcome = await deliver(message.record, { ...deps, keepAlive: undefined });
    if (message.outcome === 'abandoned') return;
  }
}

/** Runs the batch handler with the retry policy's attempts and backoff. */
async function handleTogether<T extends EventType>(valid: readonly Decoded[], deps: BatchDeliveryDeps<T>): Promise<BatchResult> {
  const { logger, groupId, retry } = deps;
  const first = valid[0]?.message.record;
  const about = {
    groupId,
    topic: first?.topic,
    partition: first?.partition,
    fromOffset: first?.offset,
    toOffset: valid.at(-1)?.message.record.offset,
    count: valid.length,
  };
  for (let attempt = 1; ; attempt += 1) {
    const deliveries: Array<BatchDelivery<T>> = valid.map(({ message: { record }, event }) => ({
      // decode() checked that the event's type is the one its topic carries, one of the subscribed T.
      event: event as unknown as TenantryEventOf<T>,
      context: { groupId, topic: record.topic, partition: record.partition, offset: record.offset, attempt, signal: deps.abandon },
    }));
    try {
      const result = await abandonable(deps.batchHandler(deliveries), deps.abandon);
      if (result !== ABANDONED) return { kind: 'handled', attempts: attempt };
      logger.warn(about, 'Batch handler of {count} events abandoned at the stop deadline: they will be redelivered');
      return { kind: 'abandoned' };
    } catch (error) {
      for (const { message } of valid) message.span.addEvent('batch handler failed', { attempt, 'exception.message': errorMessage(error) });
      if (attempt >= retry.maxAttempts) {
        logger.error(
          { ...about, attempt, err: asError(error) },
          'Batch handler failed {attempt} times: delivering its {count} events one by one',
        );
        return { kind: 'failed', error: asError(error), attempts: attempt };
      }
      const waitMs = backoffDelayMs(attempt, retry);
      logger.warn({ ...about, attempt, waitMs, err: asError(error) }, 'Batch handler failed (attempt {attempt}); retrying in {waitMs} ms');
      if (deps.drain.aborted || !(await delay(waitMs, deps.drain, deps.abandon))) return { kind: 'abandoned' };
    }
  }
}

function settle(message: Traced, outcome: DeliveryOutcome, attempts?: number): void {
  message.outcome = outcome;
  if (attempts !== undefined) message.span.setAttribute('tenantry.delivery.attempts', attempts);
  message.span.setAttribute('tenantry.delivery.outcome', outcome);
  endSpan(message.span);
}
