import { parseEvent } from '@tenantry/contracts';
import type { Logger } from 'pino';
import { asError, backoffDelayMs, delay, errorMessage } from './backoff';
import type { EventBus } from './event-bus';
import type { OutboxSource, PendingOutboxEvent } from './ports';

export interface OutboxRelayOptions {
  source: OutboxSource;
  bus: EventBus;
  logger: Logger;
  /** Events claimed and published per round (default 100). */
  batchSize?: number;
  /** How long a claimed batch is reserved for this relay (default 30 s); keep it above a publish's worst case. */
  leaseMs?: number;
  /** How often the outbox is polled when nothing notified the relay (default 1 s). */
  pollIntervalMs?: number;
  /** Backoff after a failed round: doubles from initial to max (defaults 200 ms, 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface OutboxRelayStats {
  running: boolean;
  /** Events the bus acknowledged and the outbox marked published. */
  published: number;
  /** Rounds whose publish failed (the events stayed in the outbox). */
  failedAttempts: number;
  /** Failed rounds in a row, 0 once a round succeeds: > 0 means the broker or database is down. */
  consecutiveFailures: number;
  /** Claims of events that break their contract (they stay in the outbox, marked failed, until fixed). */
  invalidEvents: number;
  /** Age of the oldest event in the last claimed batch (0 when the outbox was empty). */
  oldestPendingAgeMs: number;
  lastPublishedAt?: string;
}

type RoundResult = 'idle' | 'more' | 'failed';

/**
 * Publishes what the transactional outbox holds: claim a leased batch → publish → mark published.
 * A failure marks the batch failed and backs off exponentially, retrying until the broker is back:
 * nothing is ever dropped. A batch published but not marked (crash in between) is published again
 * when its lease expires: delivery is at-least-once, and consumers are idempotent.
 */
/** What a use case needs of the outbox relay: a nudge after a write that queued events (for low latency). */
export type OutboxNotifier = Pick<OutboxRelay, 'notify'>;

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly backoff: { initialBackoffMs: number; maxBackoffMs: number };
  private readonly counters: Omit<OutboxRelayStats, 'running'> = {
    published: 0,
    failedAttempts: 0,
    consecutiveFailures: 0,
    invalidEvents: 0,
    oldestPendingAgeMs: 0,
  };
  private loop: Promise<void> | undefined;
  private stopSignal = new AbortController();
  private wake: AbortController = new AbortController();
  private notified = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.backoff = { initialBackoffMs: options.initialBackoffMs ?? 200, maxBackoffMs: options.maxBackoffMs ?? 30_000 };
  }

  start(): void {
    if (this.loop) return;
    this.stopSignal = new AbortController();
    this.loop = this.run();
  }

  /** A write just committed outbox entries: relay now instead of at the next poll. */
  notify(): void {
    this.notified = true;
    this.wake.abort();
  }

  /** Finishes the round in progress (a publish in flight is awaited, not abandoned) and stops. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    this.wake.abort();
    await this.loop;
    this.loop = undefined;
    await this.options.source.release?.().catch((error: unknown) => {
      this.options.logger.warn({ err: asError(error) }, 'Could not release the outbox lease; it expires by itself');
    });
  }

  stats(): OutboxRelayStats {
    return { running: this.loop !== undefined, ...this.counters };
  }

  private async run(): Promise<void> {
    const stopped = this.stopSignal.signal;
    while (!stopped.aborted) {
      const result = await this.round();
      if (result === 'more') continue;
      if (result === 'failed') {
        // A notify does not cut a backoff short: the broker is likely still down.
        await delay(backoffDelayMs(this.counters.consecutiveFailures, this.backoff), stopped);
        continue;
      }
      if (this.notified) continue;
      this.wake = new AbortController();
      if (this.notified) continue; // notified between the round and the line above
      await delay(this.pollIntervalMs, stopped, this.wake.signal);
    }
  }

  private async round(): Promise<RoundResult> {
    this.notified = false;
    const { source, bus, logger } = this.options;
    let batch: PendingOutboxEvent[];
    try {
      batch = await source.claimPending(this.batchSize, this.leaseMs);
    } catch (error) {
      logger.warn({ err: asError(error) }, 'Could not claim pending outbox events; backing off');
      return this.failed();
    }
    if (batch.length === 0) {
      this.counters.oldestPendingAgeMs = 0;
      return 'idle';
    }
    const startedAt = Date.now();
    this.counters.oldestPendingAgeMs = Math.max(
      0,
      startedAt - Math.min(...batch.map((entry) => Date.parse(entry.event.time) || startedAt)),
    );

    const publishable = await this.setAsideInvalid(batch);
    if (publishable.length === 0) return this.failed();
    try {
      await bus.publish(publishable.map((entry) => entry.event));
    } catch (error) {
      this.counters.failedAttempts += 1;
      const attempts = Math.max(...publishable.map((entry) => entry.attempts)) + 1;
      logger.warn(
        { count: publishable.length, attempts, err: asError(error) },
        'Publishing {count} outbox events failed (attempt {attempts}); they stay pending',
      );
      await source
        .markFailed(
          publishable.map((entry) => entry.ref),
          errorMessage(error),
        )
        .catch((markError: unknown) => {
          logger.warn({ err: asError(markError) }, 'Could not record the failed publish; the lease will expire instead');
        });
      return this.failed();
    }
    const elapsedMs = Date.now() - startedAt;
    if (elapsedMs > this.leaseMs) {
      logger.warn(
        { elapsedMs, leaseMs: this.leaseMs },
        'Publishing took longer than the lease: another relay may publish the same events (consumers deduplicate)',
      );
    }
    try {
      await source.markPublished(publishable.map((entry) => entry.ref));
    } catch (error) {
      logger.warn(
        { count: publishable.length, err: asError(error) },
        'Published {count} events but could not mark them: they will be published again',
      );
      return this.failed();
    }
    this.counters.published += publishable.length;
    this.counters.consecutiveFailures = 0;
    this.counters.lastPublishedAt = new Date().toISOString();
    logger.debug({ count: publishable.length }, 'Relayed {count} outbox events');
    return batch.length >= this.batchSize ? 'more' : 'idle';
  }

  private failed(): RoundResult {
    this.counters.consecutiveFailures += 1;
    return 'failed';
  }

  /**
   * An event that breaks its contract would fail every publish of the batch it is in: it is marked
   * failed (it stays in the outbox, visible, until fixed) and the rest of the batch goes out.
   */
  private async setAsideInvalid(batch: PendingOutboxEvent[]): Promise<PendingOutboxEvent[]> {
    const publishable: PendingOutboxEvent[] = [];
    for (const entry of batch) {
      try {
        parseEvent(entry.event);
        publishable.push(entry);
      } catch (error) {
        this.counters.invalidEvents += 1;
        this.options.logger.error(
          { eventId: entry.event.id, eventType: entry.event.type, tenantId: entry.event.subject, err: asError(error) },
          'Outbox event {eventId} breaks its contract and cannot be published',
        );
        await this.options.source.markFailed([entry.ref], `invalid event: ${errorMessage(error)}`).catch(() => undefined);
      }
    }
    return publishable;
  }
}
