import { localDateSchema, ValidationFailedError, type FieldIssue } from '@tenantry/contracts';
import { METERING_SCOPE, shardOf, usageShardId, type UsageCounts, type UsageShardRepository } from './usage-shard.collection';

/** The longest range one read may cover (a leap year). */
export const MAX_LEDGER_DAYS = 366;

const DAY_MS = 86_400_000;

export interface UsageDayTotals extends UsageCounts {
  /** The tenant's local date, `YYYY-MM-DD`. */
  date: string;
}

/**
 * Reads the metered usage counters (written by MeteringConsumer) of ONE tenant: the shard documents hold
 * many tenants each, and this is the only reader; it returns the asking tenant's counters and nothing of
 * the others.
 */
export class UsageLedger {
  constructor(private readonly usageShards: UsageShardRepository) {}

  /**
   * The days from `from` to `to` (local dates, inclusive, at most 366 days) that have usage, ascending:
   * one read by id per day (the tenant's shard of that date).
   */
  async days(tenantId: string, from: string, to: string): Promise<UsageDayTotals[]> {
    const dates = datesOf(from, to);
    const shard = shardOf(tenantId);
    const found = await Promise.all(
      dates.map(async (date) => {
        const document = await this.usageShards.findById(METERING_SCOPE, usageShardId(date, shard));
        const entry = document?.tenants.find((tenant) => tenant.tenantId === tenantId);
        if (!entry) return undefined;
        const { tenantId: _own, ...counts } = entry;
        return { date, ...counts };
      }),
    );
    return found.filter((day): day is UsageDayTotals => day !== undefined);
  }
}

/** Every date of a valid range; a ValidationFailedError naming `from`/`to` otherwise. */
function datesOf(from: string, to: string): string[] {
  const issues: FieldIssue[] = [];
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!localDateSchema.safeParse(value).success) issues.push({ field, message: 'A calendar date YYYY-MM-DD' });
  }
  if (issues.length === 0) {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) issues.push({ field: 'to', message: 'from must not be after to' });
    else if (days > MAX_LEDGER_DAYS) issues.push({ field: 'to', message: `At most ${MAX_LEDGER_DAYS} days from from` });
  }
  if (issues.length > 0) throw new ValidationFailedError('Invalid usage date range', issues);
  const dates: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += DAY_MS)
    dates.push(new Date(at).toISOString().slice(0, 10));
  return dates;
}
