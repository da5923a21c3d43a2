import { localDateSchema, ValidationFailedError, type FieldIssue } from '@tenantry/contracts';
import { usageDayId, type UsageDay, type UsageCounts, type UsageDayRepository } from './usage-day.collection';

/** The longest range one read may cover (a leap year), so a read is one bounded page. */
export const MAX_LEDGER_DAYS = 366;

const DAY_MS = 86_400_000;

export interface UsageDayTotals extends UsageCounts {
  /** The tenant's local date, `YYYY-MM-DD`. */
  date: string;
}

/** Reads the metered usage counters (written by MeteringConsumer). */
export class UsageLedger {
  constructor(private readonly usageDays: UsageDayRepository) {}

  /**
   * The days from `from` to `to` (local dates, inclusive, at most 366 days) that have usage, ascending.
   * A single day is one read by id; a range is one query on the `{ tenantId, date }` index.
   */
  async days(tenantId: string, from: string, to: string): Promise<UsageDayTotals[]> {
    assertRange(from, to);
    if (from === to) {
      const day = await this.usageDays.findById(tenantId, usageDayId(tenantId, from));
      return day ? [totalsOf(day)] : [];
    }
    // One document per date, so the range fits one page; creation order is not date order (a late
    // batch can open an earlier day), hence the sort.
    const page = await this.usageDays.list(tenantId, { filter: { date: { $gte: from, $lte: to } }, limit: MAX_LEDGER_DAYS });
    return page.items.map(totalsOf).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }
}

function assertRange(from: string, to: string): void {
  const issues: FieldIssue[] = [];
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (!localDateSchema.safeParse(value).success) issues.push({ field, message: 'A calendar date YYYY-MM-DD' });
  }
  if (issues.length === 0) {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) issues.push({ field: 'to', message: 'from must not be after to' });
    else if (days > MAX_LEDGER_DAYS) issues.push({ field: 'to', message: `At most ${MAX_LEDGER_DAYS} days from from` });
  }
  if (issues.length > 0) throw new ValidationFailedError('Invalid usage date range', issues);
}

function totalsOf(day: UsageDay): UsageDayTotals {
  return { date: day.date, calls: day.calls, rateLimited: day.rateLimited, cacheHits: day.cacheHits, errors: day.errors, clientErrors: day.clientErrors };
}
