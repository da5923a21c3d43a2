import { localDate, NotFoundError, type TenantryEventOf } from '@tenantry/contracts';
import { LOST_RACE, untilWritten, written } from '../accounts/conditional-writes';
import type { EventBus, RetryPolicy, Subscription } from '@tenantry/event-bus';
import type { Logger } from '@tenantry/telemetry';
import { addCounts, countBatch, isNoUsage, NO_USAGE } from './usage-counts';
import {
  eventFingerprint,
  METERING_SCOPE,
  RECENT_EVENT_IDS,
  shardOf,
  usageShardId,
  type UsageCounts,
  type UsageShard,
  type UsageShardFields,
  type UsageShardRepository,
} from './usage-shard.collection';

export const METERING_CONSUMER_GROUP = 'billing-metering';

/**
 * A batch of a tenant billing does not know yet is retried for about 15 s (0.5 + 1 + 2 + 4 + 8 s,
 * jittered) before it goes to the DLQ: long enough for billing's own consumer of `tenant.created` to
 * catch up after a restart, short enough that one unknown tenant does not hold its partition for long.
 */
export const METERING_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, initialBackoffMs: 500, maxBackoffMs: 8_000 };

/** Events handed over at once by the bus: a Kafka fetch of one partition, at most this many. */
export const METERING_BATCH_EVENTS = 1_000;
/** Shard documents remembered for a write without a read (≈ 30 kB each): today's and yesterday's shards, with room. */
const REMEMBERED_SHARDS = 256;

/**
 * Where metering learns a tenant's time zone for batches that do not carry one (billing's tenant read
 * model). Asked once per such batch: implementations should remember answers for a while.
 */
export interface TenantTimezones {
  /** The tenant's IANA time zone; null when billing does not know the tenant (yet). */
  timezoneOf(tenantId: string): Promise<string | null>;
}

export interface MeteringConsumerDeps {
  usageShards: UsageShardRepository;
  timezones: TenantTimezones;
  logger: Logger;
  /** Default METERING_RETRY_POLICY. */
  retry?: RetryPolicy;
}

type MetricRecorded = TenantryEventOf<'metric.recorded'>;

/** One batch's counts, ready to add to its shard. */
interface Increment {
  tenantId: string;
  /** `eventFingerprint` of the event's id. */
  fingerprint: string;
  counts: UsageCounts;
}

/**
 * Counts the gateway's `metric.recorded` batches into per-tenant per-local-day counters. The bus hands
 * over up to METERING_BATCH_EVENTS events of one partition at once; they are grouped by day and shard
 * (usage-shard.collection.ts) and each group is ONE conditional write, so the writes per second follow
 * the number of shards, not the number of tenants or requests. Nothing is acknowledged before every
 * group of the batch is written; a batch that keeps failing is counted event by event by the bus.
 */
export class MeteringConsumer {
  private readonly remembered = new Map<string, UsageShard>();

  constructor(private readonly deps: MeteringConsumerDeps) {}

  subscribe(bus: EventBus): Promise<Subscription> {
    return bus.subscribe({
      groupId: METERING_CONSUMER_GROUP,
      eventTypes: ['metric.recorded'],
      retry: this.deps.retry ?? METERING_RETRY_POLICY,
      batch: { handler: (deliveries) => this.recordAll(deliveries.map((delivery) => delivery.event)), maxEvents: METERING_BATCH_EVENTS },
      handler: (event) => this.recordAll([event]),
    });
  }

  /**
   * Counts a batch of events. Each is dated by its tenant's local date of the window start (in the time
   * zone the batch carries, else the one billing knows). A batch without a time zone of a tenant billing
   * does not know throws NotFoundError: the bus retries (billing may not have consumed the tenant's
   * `tenant.created` yet), then counts the other events one by one and dead-letters that one.
   */
  async recordAll(events: readonly MetricRecorded[]): Promise<void> {
    const groups = new Map<string, { date: string; shard: number; increments: Increment[] }>();
    for (const event of events) {
      const increment = await this.incrementOf(event);
      if (!increment) continue;
      const { date } = increment;
      const shard = shardOf(increment.tenantId);
      const id = usageShardId(date, shard);
      const group = groups.get(id) ?? { date, shard, increments: [] };
      group.increments.push(increment);
      groups.set(id, group);
    }
    for (const [id, group] of groups) await this.write(id, group.date, group.shard, group.increments);
  }

  private async incrementOf(event: MetricRecorded): Promise<(Increment & { date: string }) | undefined> {
    const { tenant_id: tenantId, window, samples } = event.data;
    const counts = countBatch(samples);
    if (isNoUsage(counts)) return undefined;
    // The gateway stamps the time zone its daily quota used: counting on that same day needs no lookup.
    const timezone = event.data.timezone ?? (await this.deps.timezones.timezoneOf(tenantId));
    if (timezone === null) {
      throw new NotFoundError(`Tenant ${tenantId} is not known to billing (yet): its usage cannot be dated`, {
        tenant_id: tenantId,
        event_id: event.id,
      });
    }
    return {
      tenantId,
      fingerprint: eventFingerprint(event.id),
      counts,
      date: localDate(new Date(window.start), timezone),
    };
  }

  /**
   * Adds the increments not counted yet to one shard in one write: an update at the version this member
   * wrote last (no read), or an insert of a new shard; a conflict (another member wrote it) reads it again.
   */
  private async write(id: string, date: string, shard: number, increments: readonly Increment[]): Promise<void> {
    const { usageShards } = this.deps;
    let known: UsageShard | null | undefined = this.remembered.get(id);
    await untilWritten(`Usage shard ${id}`, async (attempt) => {
      // After a lost race: another member wrote the shard since our last write, or created it first;
      // reading it also shows which of our batches it counted meanwhile.
      if (attempt > 1) known = await usageShards.findById(METERING_SCOPE, id);
      // Not counted yet: neither in the shard nor earlier in this batch (a batch published twice in a row).
      const seen = new Set(known?.recentEventIds);
      const fresh = increments.filter((increment) => !seen.has(increment.fingerprint) && Boolean(seen.add(increment.fingerprint)));
      if (fresh.length === 0) {
        this.deps.logger.debug({ shard: id, events: increments.length }, 'Usage batches already counted in {shard}: skipped');
        return 'counted before';
      }
      const next = applied(known ?? { date, shard, tenants: [], recentEventIds: [] }, fresh);
      const outcome = await written(
        known
          ? usageShards.update(METERING_SCOPE, id, next, { expectedVersion: known.version })
          : usageShards.insert(METERING_SCOPE, next, { id }),
      );
      if (outcome === LOST_RACE) {
        this.remembered.delete(id);
        return LOST_RACE;
      }
      this.remember(outcome);
      return 'counted';
    });
  }

  private remember(shard: UsageShard): void {
    this.remembered.delete(shard.id);
    this.remembered.set(shard.id, shard);
    if (this.remembered.size > REMEMBERED_SHARDS) {
      const oldest = this.remembered.keys().next();
      if (!oldest.done) this.remembered.delete(oldest.value);
    }
  }
}

function applied(shard: UsageShardFields, increments: readonly Increment[]): UsageShardFields {
  const tenants = new Map<string, UsageCounts>(shard.tenants.map(({ tenantId, ...counts }) => [tenantId, counts]));
  for (const { tenantId, counts } of increments) tenants.set(tenantId, addCounts(tenants.get(tenantId) ?? NO_USAGE, counts));
  return {
    date: shard.date,
    shard: shard.shard,
    tenants: [...tenants].map(([tenantId, counts]) => ({ tenantId, ...counts })),
    recentEventIds: [...shard.recentEventIds, ...increments.map((increment) => increment.fingerprint)].slice(-RECENT_EVENT_IDS),
  };
}
