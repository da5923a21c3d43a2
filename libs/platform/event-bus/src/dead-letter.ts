import type { BusRecord, DeliveredRecord } from './records';
import { deadLetterTopicOf } from './records';

/** Headers added to a message moved to `<topic>.dlq`; the value and original headers are kept. */
export const DLQ_HEADER = {
  reason: 'dlq_reason',
  errorName: 'dlq_error_name',
  errorMessage: 'dlq_error_message',
  attempts: 'dlq_attempts',
  topic: 'dlq_original_topic',
  partition: 'dlq_original_partition',
  offset: 'dlq_original_offset',
  group: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
} as const;

/** `poison`: the message is not a valid event (never retried). `handler-failed`: retries exhausted. */
export type DeadLetterReason = 'poison' | 'handler-failed';

export interface DeadLetterFailure {
  reason: DeadLetterReason;
  error: Error;
  attempts: number;
  groupId: string;
}

/** A dead-lettered message as operators (and tests) read it back. */
export interface DeadLetter {
  key: string | null;
  value: string | null;
  reason: DeadLetterReason;
  errorName: string;
  errorMessage: string;
  attempts: number;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  consumerGroup: string;
  failedAt: string;
  /** The original headers (trace context, ce_*). */
  headers: Record<string, string>;
}

const MAX_ERROR_MESSAGE = 1_000;

export function toDeadLetterRecord(record: DeliveredRecord, failure: DeadLetterFailure, now: Date = new Date()): BusRecord {
  return {
    topic: deadLetterTopicOf(record.topic),
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DLQ_HEADER.reason]: failure.reason,
      [DLQ_HEADER.errorName]: failure.error.name,
      [DLQ_HEADER.errorMessage]: failure.error.message.slice(0, MAX_ERROR_MESSAGE),
      [DLQ_HEADER.attempts]: String(failure.attempts),
      [DLQ_HEADER.topic]: record.topic,
      [DLQ_HEADER.partition]: String(record.partition),
      [DLQ_HEADER.offset]: record.offset,
      [DLQ_HEADER.group]: failure.groupId,
      [DLQ_HEADER.failedAt]: now.toISOString(),
    },
  };
}

export function readDeadLetter(record: Pick<BusRecord, 'key' | 'value' | 'headers'>): DeadLetter {
  const { headers } = record;
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('dlq_')) original[name] = value;
  }
  return {
    key: record.key,
    value: record.value?.toString('utf8') ?? null,
    reason: headers[DLQ_HEADER.reason] === 'poison' ? 'poison' : 'handler-failed',
    errorName: headers[DLQ_HEADER.errorName] ?? '',
    errorMessage: headers[DLQ_HEADER.errorMessage] ?? '',
    attempts: Number(headers[DLQ_HEADER.attempts] ?? 0),
    originalTopic: headers[DLQ_HEADER.topic] ?? '',
    originalPartition: Number(headers[DLQ_HEADER.partition] ?? -1),
    originalOffset: headers[DLQ_HEADER.offset] ?? '',
    consumerGroup: headers[DLQ_HEADER.group] ?? '',
    failedAt: headers[DLQ_HEADER.failedAt] ?? '',
    headers: original,
  };
}
