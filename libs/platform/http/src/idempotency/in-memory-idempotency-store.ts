import { isLive, type ClaimResult, type IdempotencyClaim, type IdempotencyRecord, type IdempotencyStore } from './idempotency-store';

interface Entry {
  record: IdempotencyRecord;
  token: string;
}

/** The in-memory twin: one process, data lost on exit. Every method is atomic (no await between read and write). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private nextToken = 1;

  async claim(claim: IdempotencyClaim, now: Date): Promise<ClaimResult> {
    const existing = this.entries.get(claim.id);
    if (existing && existing.record.tenantId === claim.tenantId && isLive(existing.record, now)) {
      return { outcome: 'exists', record: copy(existing.record) };
    }
    const token = String(this.nextToken++);
    this.entries.set(claim.id, { token, record: { ...copy(claim), state: 'in_progress' } });
    return { outcome: 'claimed', token };
  }

  async complete(claim: { id: string; tenantId: string; token: string }, sealedResponse: string, expiresAt: Date): Promise<boolean> {
    const entry = this.owned(claim);
    if (!entry) return false;
    entry.record = { ...entry.record, state: 'completed', sealedResponse, expiresAt: new Date(expiresAt) };
    return true;
  }

  async release(claim: { id: string; tenantId: string; token: string }): Promise<void> {
    if (this.owned(claim)) this.entries.delete(claim.id);
  }

  async pruneExpired(now: Date): Promise<number> {
    let pruned = 0;
    for (const [id, entry] of this.entries) {
      if (entry.record.expiresAt.getTime() <= now.getTime()) {
        this.entries.delete(id);
        pruned += 1;
      }
    }
    return pruned;
  }

  private owned(claim: { id: string; tenantId: string; token: string }): Entry | undefined {
    const entry = this.entries.get(claim.id);
    return entry && entry.token === claim.token && entry.record.tenantId === claim.tenantId ? entry : undefined;
  }
}

function copy<T extends { lockedUntil: Date; expiresAt: Date }>(record: T): T {
  return { ...record, lockedUntil: new Date(record.lockedUntil), expiresAt: new Date(record.expiresAt) };
}
