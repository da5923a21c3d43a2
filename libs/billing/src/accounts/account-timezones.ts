import type { TenantTimezones } from '../metering';
import { knownTimezone } from '../subscriptions/tenant-facts';
import type { AccountRepository } from './account.collection';

const TTL_MS = 60_000;
const MAX_CACHED = 10_000;

/**
 * Tenants' time zones from billing's accounts, remembered for a minute (metering asks once per event;
 * a change of time zone applies within that minute). Unknown tenants are not remembered, so a tenant
 * whose account is being opened is found on the retry.
 */
export class AccountTimezones implements TenantTimezones {
  private readonly cached = new Map<string, { timezone: string; until: number }>();

  constructor(
    private readonly accounts: AccountRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async timezoneOf(tenantId: string): Promise<string | null> {
    const now = this.now();
    const hit = this.cached.get(tenantId);
    if (hit && hit.until > now) return hit.timezone;
    const account = await this.accounts.findById(tenantId, tenantId);
    const timezone = account ? knownTimezone(account.tenant) : null;
    if (timezone === null) return null;
    if (this.cached.size >= MAX_CACHED) this.cached.clear();
    this.cached.set(tenantId, { timezone, until: now + TTL_MS });
    return timezone;
  }
}
