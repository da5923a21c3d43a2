import {
  isEventType,
  parseEvent,
  ValidationFailedError,
  type CloudEvent,
  type EventType,
  type FieldIssue,
  type TenantryEvent,
} from '@tenantry/contracts';
import { MAX_BATCH_MAX_EVENTS, type SubscribeOptions } from './event-bus';

/** Rejects subscription options that could never work, before anything joins a group. */
export function assertValidSubscribeOptions<T extends EventType>(options: SubscribeOptions<T>): void {
  const issues: FieldIssue[] = [];
  if (!options.groupId.trim()) issues.push({ field: 'groupId', message: 'Required' });
  if (options.eventTypes.length === 0) issues.push({ field: 'eventTypes', message: 'At least one event type' });
  for (const type of options.eventTypes) {
    if (!isEventType(type)) issues.push({ field: 'eventTypes', message: `Unknown event type ${String(type)}` });
  }
  const { maxAttempts, initialBackoffMs, maxBackoffMs } = options.retry;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) issues.push({ field: 'retry.maxAttempts', message: 'An integer ≥ 1' });
  if (!(initialBackoffMs >= 0)) issues.push({ field: 'retry.initialBackoffMs', message: '≥ 0' });
  if (!(maxBackoffMs >= initialBackoffMs)) issues.push({ field: 'retry.maxBackoffMs', message: '≥ initialBackoffMs' });
  if (options.batch) {
    const { maxEvents } = options.batch;
    if (maxEvents !== undefined && !(Number.isInteger(maxEvents) && maxEvents >= 1 && maxEvents <= MAX_BATCH_MAX_EVENTS)) {
      issues.push({ field: 'batch.maxEvents', message: `An integer from 1 to ${MAX_BATCH_MAX_EVENTS}` });
    }
    // A batch is acknowledged as one: a per-event processed-event store cannot tell which of its events
    // a crashed batch handler already applied, so batch handlers are idempotent by themselves.
    if (options.processedEvents)
      issues.push({ field: 'processedEvents', message: 'Not with batch: a batch handler must be idempotent by itself' });
  }
  if (issues.length > 0) throw new ValidationFailedError('Invalid subscription options', issues);
}

/** Validates every event against the contract before anything is written (throws InvalidEventError). */
export function validateForPublish(events: readonly CloudEvent[]): TenantryEvent[] {
  return events.map((event) => parseEvent(event));
}
