import { ValidationFailedError, type FieldIssue } from '../errors';

export type InvalidEventReason = 'malformed' | 'unknown-type' | 'unsupported-version' | 'invalid-data';

/**
 * An event that does not match the contract. On the consuming side this makes a message poison (it
 * goes straight to the dead-letter topic); on the producing side it is a bug, reported as a 400-class
 * validation failure.
 */
export class InvalidEventError extends ValidationFailedError {
  constructor(
    readonly reason: InvalidEventReason,
    message: string,
    issues: readonly FieldIssue[] = [],
  ) {
    super(message, issues);
  }
}

/** The event's `type` is not in the catalog. */
export class UnknownEventTypeError extends InvalidEventError {
  constructor(readonly eventType: string) {
    super('unknown-type', `Unknown event type "${eventType}"`);
  }
}

/** The event's `dataschema` names a version of its type that this build does not know. */
export class UnsupportedEventVersionError extends InvalidEventError {
  constructor(
    readonly eventType: string,
    readonly dataschema: string,
  ) {
    super('unsupported-version', `Unsupported data schema "${dataschema}" for event type "${eventType}"`);
  }
}
