import { ConflictError } from '@tenantry/contracts';
import type { Stored, TenantScopedRepository } from '@tenantry/persistence';

/** Conditional writes lost to a concurrent writer are retried this many times before the conflict surfaces. */
const MAX_ATTEMPTS = 20;

/**
 * Create-or-update of one document by a pure function of what is stored: `apply` sees the current
 * document (or null) and returns the fields to write, or null when the event changes nothing (already
 * applied). Written only if nobody changed the document in between (version check), else re-read: the
 * way every read model here converges whatever the order of its events and its concurrent consumers.
 */
export async function upsertWith<T extends object, TInput>(
  repository: TenantScopedRepository<T, TInput>,
  tenantId: string,
  id: string,
  apply: (current: Stored<T> | null) => TInput | null,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await repository.findById(tenantId, id);
    const next = apply(current);
    if (next === null) return;
    try {
      if (current === null) await repository.insert(tenantId, next, { id });
      else await repository.update(tenantId, id, next as Partial<TInput>, { expectedVersion: current.version });
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
