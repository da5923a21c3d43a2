import { createHash } from 'node:crypto';
import { localDateSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * Tenants per day are spread over this many documents. Fixed: a tenant's shard is derived from its id,
 * so changing it would hide the usage already counted (it is part of the storage format).
 */
export const USAGE_SHARDS = 16;
/**
 * Fingerprints of the batches counted last, kept per shard document. A redelivery replays at most one
 * unacknowledged bus batch (METERING_BATCH_EVENTS, 1,000, in the worst case all of one shard), and a
 * gateway re-publishes a batch the broker had in fact taken at its next flush: both are among the last
 * 2,000. At ≈ 25 batches/s per shard (2,000 tenants, 5 s flush) that is the last ≈ 80 s.
 */
export const RECENT_EVENT_IDS = 2_000;
/** The storage scope of the shard documents: they hold many tenants each, so they belong to none of them. */
export const METERING_SCOPE = '_metering';

const countSchema = z.number().int().nonnegative();

/** The counters of one tenant's local day (also what the ledger reports per day). */
export const usageCountsSchema = z.object({
  /** Requests that used the daily quota: every answered request, cache hits included, 429s excluded. */
  calls: countSchema,
  /** Requests the gateway refused with 429. */
  rateLimited: countSchema,
  cacheHits: countSchema,
  /** 5xx responses. */
  errors: countSchema,
  /** 4xx responses (the 429s included, as the gateway reports them). */
  clientErrors: countSchema,
});
export type UsageCounts = z.output<typeof usageCountsSchema>;

/**
 * API usage per LOCAL day (each tenant's own time zone), one document per date and shard, id
 * `<YYYY-MM-DD>:<shard>`, holding the counters of every tenant of that shard. A batch of metering events
 * (many tenants) is then a handful of writes instead of one per tenant — the difference between keeping
 * up and not on the MongoDB-compatible test server, where a write costs several commands. Idempotent by
 * event id: `recentEventIds` holds short fingerprints (`eventFingerprint`) of the batches counted last.
 * Read only through UsageLedger, which returns the asking tenant's counters and nothing else.
 */
export const usageShardsCollection = defineCollection({
  name: 'billing_usage_shards',
  schema: z.object({
    date: localDateSchema,
    shard: z
      .number()
      .int()
      .min(0)
      .max(USAGE_SHARDS - 1),
    tenants: z.array(usageCountsSchema.extend({ tenantId: z.string().min(1).max(128) })),
    recentEventIds: z.array(z.string().min(1)).max(RECENT_EVENT_IDS),
  }),
});

export type UsageShardFields = z.output<typeof usageShardsCollection.schema>;
export type UsageShard = Stored<UsageShardFields>;
export type UsageShardRepository = TenantScopedRepository<UsageShardFields, z.input<typeof usageShardsCollection.schema>>;

/** The shard of a tenant: stable, and spread evenly whatever the shape of the ids. */
export function shardOf(tenantId: string): number {
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % USAGE_SHARDS;
}

export const usageShardId = (date: string, shard: number): string => `${date}:${String(shard).padStart(2, '0')}`;

/** 12 characters of an event id's SHA-256: a shard remembers 2,000 of them in 24 kB (collisions: ~1e-14 per pair). */
export function eventFingerprint(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, 12);
}
