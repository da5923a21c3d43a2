import { localDateSchema } from '@tenantry/contracts';
import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * Event ids remembered per day document. A Kafka redelivery replays at most the uncommitted tail of a
 * partition (the bus commits every 100 messages), and a tenant's batches are in order on it, so a
 * redelivered batch is always among the tenant's last ~100 counted ones; older duplicates are the
 * processed-event store's job. Bounded, so a day document stays a few kB however busy the tenant is.
 */
export const RECENT_EVENT_IDS = 100;

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
 * API usage per tenant per LOCAL day (the tenant's time zone), id `<tenantId>:<YYYY-MM-DD>`: a fixed id,
 * so the consumer reads and writes a day by `_id` alone (the one lookup FerretDB 1.x pushes down) and
 * counts a whole `metric.recorded` batch in one write. `recentEventIds` makes a batch redelivered past
 * the processed-event store (a crash between the write and marking the event processed) count once.
 * The `{ tenantId, date }` index serves the ledger's date-range reads.
 */
export const usageDaysCollection = defineCollection({
  name: 'billing_usage_days',
  schema: usageCountsSchema.extend({
    date: localDateSchema,
    recentEventIds: z.array(z.string().min(1)).max(RECENT_EVENT_IDS),
  }),
  indexes: [{ fields: { tenantId: 1, date: 1 } }],
});

export type UsageDayFields = z.output<typeof usageDaysCollection.schema>;
export type UsageDay = Stored<UsageDayFields>;
export type UsageDayRepository = TenantScopedRepository<UsageDayFields, z.input<typeof usageDaysCollection.schema>>;

export const usageDayId = (tenantId: string, date: string): string => `${tenantId}:${date}`;
