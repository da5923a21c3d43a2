import { ConflictError, type TenantryEventOf } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, type EventBus, type ProcessedEventStore, type Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import type { TenantRepository } from '../tenants/tenant.collection';
import { localDate } from './local-date';
import { usageMonthId, type UsageMonthRepository } from './usage.collection';

export const USAGE_CONSUMER_GROUP = 'tenants-usage';
/** Event ids remembered per month document (per-tenant order means a redelivery is always a recent event). */
const RECENT_EVENT_IDS = 100;
const MAX_WRITE_ATTEMPTS = 5;
const TIMEZONE_TTL_MS = 60_000;
const MAX_CACHED_TIMEZONES = 10_000;

type MetricRecorded = TenantryEventOf<'metric.recorded'>;

/**
 * Counts the gateway's `metric.recorded` batches into per-tenant daily API-call counters, by the
 * tenant's local date of the batch's window start. A stop-gap until billing owns metering: keep it here,
 * small, and easy to delete.
 *
 * What counts: every request the gateway answered for the tenant (cache hits included), except those it
 * refused with 429 (`requestCount - rateLimitedCount`), i.e. the calls that used the daily quota.
 */
export class UsageMeter {
  private readonly timezones = new Map<string, { timezone: string | null; until: number }>();

  constructor(
    private readonly deps: { usage: UsageMonthRepository; tenants: TenantRepository; logger: Logger; now?: () => number },
  ) {}

  subscribe(bus: EventBus, processedEvents: ProcessedEventStore): Promise<Subscription> {
    return bus.subscribe({
      groupId: USAGE_CONSUMER_GROUP,
      eventTypes: ['metric.recorded'],
      retry: DEFAULT_RETRY_POLICY,
      processedEvents,
      handler: (event) => this.record(event),
    });
  }

  /** Adds one batch to its day's counter in one write; a batch already counted changes nothing. */
  async record(event: MetricRecorded): Promise<void> {
    const { tenantId, window, samples } = event.data;
    const calls = samples.reduce((sum, sample) => sum + Math.max(0, sample.requestCount - sample.rateLimitedCount), 0);
    if (calls === 0) return;
    const timezone = await this.timezoneOf(tenantId);
    if (timezone === null) {
      this.deps.logger.debug({ tenantId, eventId: event.id }, 'usage for an unknown tenant was not counted');
      return;
    }
    const day = localDate(new Date(window.start), timezone);
    const month = day.slice(0, 7);
    const dayOfMonth = day.slice(8);
    const id = usageMonthId(tenantId, month);

    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt += 1) {
      const current = await this.deps.usage.findById(tenantId, id);
      try {
        if (!current) {
          await this.deps.usage.insert(tenantId, { month, days: { [dayOfMonth]: calls }, recentEventIds: [event.id] }, { id });
          return;
        }
        if (current.recentEventIds.includes(event.id)) return;
        await this.deps.usage.update(
          tenantId,
          id,
          { days: { ...current.days, [dayOfMonth]: (current.days[dayOfMonth] ?? 0) + calls }, recentEventIds: [...current.recentEventIds, event.id].slice(-RECENT_EVENT_IDS) },
          { expectedVersion: current.version },
        );
        return;
      } catch (error) {
        // Another member wrote the document in between (only during a rebalance): read it again.
        if (!(error instanceof ConflictError) || attempt === MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** The tenant's time zone, remembered for a minute (a change of time zone applies within that). */
  private async timezoneOf(tenantId: string): Promise<string | null> {
    const now = this.deps.now?.() ?? Date.now();
    const cached = this.timezones.get(tenantId);
    if (cached && cached.until > now) return cached.timezone;
    const tenant = await this.deps.tenants.findById(tenantId, tenantId);
    const timezone = tenant?.timezone ?? null;
    if (this.timezones.size >= MAX_CACHED_TIMEZONES) this.timezones.clear();
    this.timezones.set(tenantId, { timezone, until: now + TIMEZONE_TTL_MS });
    return timezone;
  }
}
