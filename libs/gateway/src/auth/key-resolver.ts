import type { ResolvedApiKey } from '@tenantry/contracts';

export interface KeyResolverOptions {
  /** Asks the owner of API keys (the tenants service); null when the key id is unknown. */
  fetchKey: (keyId: string) => Promise<ResolvedApiKey | null>;
  /** How long a resolved key is reused without asking again. Events invalidate earlier. */
  ttlMs: number;
  /** How long an unknown key id stays unknown. */
  negativeTtlMs: number;
  /** Bound on remembered keys; the oldest are dropped first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  value: ResolvedApiKey | null;
  expiresAt: number;
}

/**
 * Resolves API key ids to their tenant, plan and status, remembering answers briefly so that the
 * tenants service (and FerretDB behind it) sees one lookup per key per TTL rather than one per request.
 * Concurrent lookups of one key share one call. Invalidation (`forgetKey`, `forgetTenant`) is driven
 * by `tenant.api_key_revoked` / `tenant.status_changed` / `tenant.updated` events, and also discards
 * the result of a lookup that was in flight when it happened, so a revocation cannot be undone by a
 * slow answer read before it.
 */
export class KeyResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ResolvedApiKey | null>>();
  private readonly keysByTenant = new Map<string, Set<string>>();
  /** Bumped by every invalidation: a lookup started under an older epoch is not remembered. */
  private epoch = 0;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: KeyResolverOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  resolve(keyId: string): Promise<ResolvedApiKey | null> | ResolvedApiKey | null {
    const entry = this.entries.get(keyId);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const pending = this.inFlight.get(keyId);
    if (pending) return pending;
    const lookup = this.lookup(keyId);
    this.inFlight.set(keyId, lookup);
    return lookup;
  }

  forgetKey(keyId: string): void {
    this.epoch += 1;
    this.inFlight.delete(keyId);
    this.forgetEntry(keyId);
  }

  forgetTenant(tenantId: string): void {
    this.epoch += 1;
    for (const keyId of this.keysByTenant.get(tenantId) ?? []) {
      this.entries.delete(keyId);
      this.inFlight.delete(keyId);
    }
    this.keysByTenant.delete(tenantId);
  }

  get size(): number {
    return this.entries.size;
  }

  private async lookup(keyId: string): Promise<ResolvedApiKey | null> {
    const startedIn = this.epoch;
    try {
      const value = await this.options.fetchKey(keyId);
      if (startedIn === this.epoch) this.remember(keyId, value);
      return value;
    } finally {
      this.inFlight.delete(keyId);
    }
  }

  private remember(keyId: string, value: ResolvedApiKey | null): void {
    const ttl = value ? this.options.ttlMs : this.options.negativeTtlMs;
    if (ttl <= 0) return;
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.delete(keyId); // re-insert so Map order stays insertion = age order
    this.entries.set(keyId, { value, expiresAt: this.now() + ttl });
    if (value) {
      let keys = this.keysByTenant.get(value.tenantId);
      if (!keys) this.keysByTenant.set(value.tenantId, (keys = new Set()));
      keys.add(keyId);
    }
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.forgetEntry(oldest.value);
  }

  private forgetEntry(keyId: string): void {
    const entry = this.entries.get(keyId);
    this.entries.delete(keyId);
    if (entry?.value) this.keysByTenant.get(entry.value.tenantId)?.delete(keyId);
  }
}
