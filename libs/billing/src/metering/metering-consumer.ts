import { ConflictError, localDate, NotFoundError, type TenantryEventOf } from '@tenantry/contracts';
import type { EventBus, ProcessedEventStore, RetryPolicy, Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import { RememberedDays } from './remembered-days';
import { addCounts, countBatch, isNoUsage } from './usage-counts';
import { RECENT_EVENT_IDS, usageDayId, type UsageDay, type UsageDayRepository } from './usage-day.collection';

export const METERING_CONSUMER_GROUP = 'billing-metering';

/**
 * A batch of a tenant billing does not know yet is retried for about 15 s (0.5 + 1 + 2 + 4 + 8 s,
 * jittered) before it goes to the DLQ: long enough for billing's own consumer of `tenant.created` to
 * catch up after a restart, short enough that one unknown tenant does not hold its partition for long.
 */
export const METERING_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, initialBackoffMs: 500, maxBackoffMs: 8_000 };

/** Write attempts before a conflict is left to the bus's retry. */
const MAX_WRITE_ATTEMPTS = 5;
/** Days remembered for a write without a read: ≈ 6 kB each with 100 event ids, so ≈ 25 MB at most. */
const REMEMBERED_DAYS = 4_000;

/**
 * Where metering learns a tenant's time zone for batches that do not carry one (billing's tenant read
 * model). Asked once per such batch: implementations should remember answers for a while.
 */
export interface TenantTimezones {
  /** The tenant's IANA time zone; null when billing does not know the tenant (yet). */
  timezoneOf(tenantId: string): Promise<string | null>;
}

export interface MeteringConsumerDeps {
  usageDays: UsageDayRepository;
  timezones: TenantTimezones;
  logger: Logger;
}

type MetricRecorded = TenantryEventOf<'metric.recorded'>;

/**
 * Counts the gateway's `metric.recorded` batches into per-tenant per-local-day usage documents. One
 * write per event (a batch of many requests), never per request: the event rate follows the number of
 * active tenants and gateways, not the request rate.
 */
export class MeteringConsumer {
  private readonly days = new RememberedDays(REMEMBERED_DAYS);

  constructor(private readonly deps: MeteringConsumerDeps) {}

  /**
   * Billing subscribes WITHOUT a processed-event store: a day document remembers the ids of the last
   * RECENT_EVENT_IDS batches counted into it, which covers every redelivery (the uncommitted window of a
   * partition is at most 100 messages; a gateway's re-published batch arrives within a flush or two), and
   * saves two database commands per event plus a row per event in the shared processed-events table —
   * the difference between 192 and 278 events/s in B1. `processedEvents` is for tests of that guard.
   */
  subscribe(bus: EventBus, processedEvents?: ProcessedEventStore): Promise<Subscription> {
    return bus.subscribe({
      groupId: METERING_CONSUMER_GROUP,
      eventTypes: ['metric.recorded'],
      retry: METERING_RETRY_POLICY,
      ...(processedEvents ? { processedEvents } : {}),
      handler: (event) => this.record(event),
    });
  }

  /**
   * Counts one batch into its day (the tenant's local date of the window start, in the time zone the
   * batch carries, else the one billing knows) in one write; an event already counted changes nothing.
   * A batch without a time zone of a tenant billing does not know throws NotFoundError: the bus retries
   * with backoff (billing may not have consumed its `tenant.created` yet), then moves it to the DLQ.
   *
   * The write is an insert with the day's fixed id, or an update at the version this member last wrote;
   * only when that fails (the day exists already, or another member wrote it) is the day read first.
   */
  async record(event: MetricRecorded): Promise<void> {
    const { tenantId, window, samples } = event.data;
    const counts = countBatch(samples);
    if (isNoUsage(counts)) return;
    // The gateway stamps the time zone its daily quota used: counting on that same day needs no lookup.
    const timezone = event.data.timezone ?? (await this.deps.timezones.timezoneOf(tenantId));
    if (timezone === null) {
      throw new NotFoundError(`Tenant ${tenantId} is not known to billing (yet): its usage cannot be dated`, { tenantId, eventId: event.id });
    }
    const date = localDate(new Date(window.start), timezone);
    const id = usageDayId(tenantId, date);
    const { usageDays } = this.deps;

    let known: UsageDay | null | undefined = this.days.get(id);
    for (let attempt = 1; ; attempt += 1) {
      if (known?.recentEventIds.includes(event.id)) {
        this.deps.logger.debug({ tenantId, eventId: event.id, date }, 'Usage batch {eventId} was already counted for {date}: skipped');
        return;
      }
      try {
        const written = known
          ? await usageDays.update(
              tenantId,
              id,
              { ...addCounts(known, counts), recentEventIds: [...known.recentEventIds, event.id].slice(-RECENT_EVENT_IDS) },
              { expectedVersion: known.version },
            )
          : await usageDays.insert(tenantId, { date, ...counts, recentEventIds: [event.id] }, { id });
        this.days.remember(written);
        return;
      } catch (error) {
        this.days.forget(id);
        // The day exists already, or another member wrote it since our last write (a rebalance hands
        // partitions over while the old owner finishes a batch): read it, which also finds our event if
        // it was counted meanwhile, and try again.
        if (!(error instanceof ConflictError || error instanceof NotFoundError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        known = await usageDays.findById(tenantId, id);
      }
    }
  }
}
