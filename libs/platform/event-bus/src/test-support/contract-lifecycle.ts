import type { EventType } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import type { DeadLetter } from '../dead-letter';
import type { EventBus, RetryPolicy } from '../event-bus';

/** What the contract needs from an adapter under test: a fresh bus isolated from other tests. */
export interface EventBusContractHarness {
  bus: EventBus;
  /** Writes a message to the topic of `eventType` as it is: a corrupt or foreign producer. */
  publishRaw(eventType: EventType, key: string, value: string): Promise<void>;
  /** The messages moved to `<eventType>.dlq` so far. */
  deadLetters(eventType: EventType): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface EventBusContractOptions {
  /** How long to wait for a delivery (a real broker needs longer to join groups and rebalance). */
  deliveryTimeoutMs?: number;
  testTimeoutMs?: number;
}

export const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 };

/**
 * The per-test lifecycle both contract suites (per event, batch) share: a fresh harness before each
 * test (handed to `use`), and after it the test's cleanups run and the harness closed. `wait` polls
 * with the adapter's delivery timeout.
 */
export function contractLifecycle(
  makeHarness: () => Promise<EventBusContractHarness>,
  options: EventBusContractOptions,
  use: (harness: EventBusContractHarness) => void,
) {
  const timeoutMs = options.deliveryTimeoutMs ?? 5_000;
  const testTimeoutMs = options.testTimeoutMs ?? 30_000;
  const cleanups: Array<() => void> = [];
  let current: EventBusContractHarness | undefined;
  beforeEach(async () => {
    current = await makeHarness();
    use(current);
  }, testTimeoutMs);
  afterEach(async () => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    await current?.close();
  }, testTimeoutMs);
  const wait = <T>(probe: () => T | Promise<T>, description: string) => eventually(probe, { timeoutMs, description });
  return { cleanups, wait, testTimeoutMs };
}
