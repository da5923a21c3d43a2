import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * API calls per tenant per local month, one document per tenant and month with one counter per day, id
 * `<tenantId>:<YYYY-MM>`. One point read answers both "today" and "this month" (per-day documents would
 * take up to 31 reads, each a table scan on FerretDB), and one write counts a whole metric batch.
 * `recentEventIds` makes a redelivered batch count once even when it slips past the processed-event
 * store (a crash between the write and marking the event processed).
 */
export const usageMonthsCollection = defineCollection({
  name: 'tenant_usage_months',
  schema: z.object({
    month: z.string().regex(/^\d{4}-\d{2}$/),
    /** Day of month (`01`…`31`) → API calls. */
    days: z.record(z.string().regex(/^\d{2}$/), z.number().int().nonnegative()),
    recentEventIds: z.array(z.string()),
  }),
});

export type UsageMonthFields = z.output<typeof usageMonthsCollection.schema>;
export type UsageMonth = Stored<UsageMonthFields>;
export type UsageMonthRepository = TenantScopedRepository<UsageMonthFields, z.input<typeof usageMonthsCollection.schema>>;

export const usageMonthId = (tenantId: string, month: string): string => `${tenantId}:${month}`;
