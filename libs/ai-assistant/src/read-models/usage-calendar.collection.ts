import { defineCollection, type Stored, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

/**
 * The days for which a tenant has a usage-day document: one document per tenant, addressed by `_id`,
 * so an action reads its tenant's days by `_id` too (this, then each day of its window) instead of a
 * filtered list, which FerretDB 1.x answers by decoding every tenant's days (and `$in` on `_id` as well:
 * see BENCHMARKS.md, A1). A set: adding a day twice, or days in any order, gives the same document.
 */
export const usageCalendarsCollection = defineCollection({
  name: 'assistant_usage_calendars',
  schema: z.object({
    /** Local days (YYYY-MM-DD), ascending, each once. */
    days: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
  }),
});

export type UsageCalendar = Stored<z.output<typeof usageCalendarsCollection.schema>>;
export type UsageCalendarRepository = TenantScopedRepository<
  z.output<typeof usageCalendarsCollection.schema>,
  z.input<typeof usageCalendarsCollection.schema>
>;

export const usageCalendarId = (tenantId: string): string => `usage-calendar:${tenantId}`;

/** The calendar with `day` in it; null when it is there already (nothing to write). */
export function withDay(current: Pick<UsageCalendar, 'days'> | null, day: string): { days: string[] } | null {
  const days = current?.days ?? [];
  if (days.includes(day)) return null;
  return { days: [...days, day].sort() };
}
