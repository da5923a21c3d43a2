import { randomUUID } from 'node:crypto';
import type { IdempotencyClaim, IdempotencyStore } from '../idempotency/idempotency-store';

const MINUTE = 60_000;

/** The one contract every IdempotencyStore passes (in memory, and on each database). */
export function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore;
    const t0 = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const newClaim = (overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim => ({
      id: `idem_${randomUUID().replaceAll('-', '')}`,
      tenantId: 'ten_contract',
      fingerprint: 'aa'.repeat(32),
      lockedUntil: at(MINUTE),
      expiresAt: at(24 * 60 * MINUTE),
      ...overrides,
    });

    beforeAll(async () => {
      store = await open();
    });

    it('when a key is claimed for the first time, then the claim wins and a second claim sees it in progress', async () => {
      const claim = newClaim();
      expect(await store.claim(claim, t0)).toMatchObject({ outcome: 'claimed' });
      const second = await store.claim({ ...claim, fingerprint: 'bb'.repeat(32) }, at(1_000));
      expect(second).toEqual({
        outcome: 'exists',
        record: expect.objectContaining({ id: claim.id, state: 'in_progress', fingerprint: claim.fingerprint }),
      });
    });

    it('when several requests claim the same key at once, then exactly one wins', async () => {
      const claim = newClaim();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.claim(claim, t0)));
      expect(results.filter((result) => result.outcome === 'claimed')).toHaveLength(1);
    });

    it('when the owner completes, then later claims get the completed record with the sealed response', async () => {
      const claim = newClaim();
      const result = await store.claim(claim, t0);
      if (result.outcome !== 'claimed') throw new Error('expected a claim');
      expect(await store.complete({ ...claim, token: result.token }, 'v1.sealed', at(24 * 60 * MINUTE))).toBe(true);
      const later = await store.claim(claim, at(2 * MINUTE));
      expect(later).toEqual({ outcome: 'exists', record: expect.objectContaining({ state: 'completed', sealedResponse: 'v1.sealed' }) });
    });

    it('when the owner releases, then the next claim wins again; a stranger cannot release it', async () => {
      const claim = newClaim();
      const first = await store.claim(claim, t0);
      if (first.outcome !== 'claimed') throw new Error('expected a claim');
      await store.release({ ...claim, token: `${first.token}9` });
      expect(await store.claim(claim, t0)).toMatchObject({ outcome: 'exists' });
      await store.release({ ...claim, token: first.token });
      expect(await store.claim(claim, t0)).toMatchObject({ outcome: 'claimed' });
    });

    it('when a claim outlives its lock (its request died), then another request takes it over and the old owner can no longer complete', async () => {
      const claim = newClaim();
      const dead = await store.claim(claim, t0);
      if (dead.outcome !== 'claimed') throw new Error('expected a claim');
      const takeover = await store.claim({ ...claim, lockedUntil: at(3 * MINUTE) }, at(2 * MINUTE));
      if (takeover.outcome !== 'claimed') throw new Error('expected a takeover');
      expect(await store.complete({ ...claim, token: dead.token }, 'v1.stale', at(24 * 60 * MINUTE))).toBe(false);
      expect(await store.complete({ ...claim, token: takeover.token }, 'v1.fresh', at(24 * 60 * MINUTE))).toBe(true);
      expect(await store.claim(claim, at(4 * MINUTE))).toEqual({
        outcome: 'exists',
        record: expect.objectContaining({ sealedResponse: 'v1.fresh' }),
      });
    });

    it('when a completed record has expired, then a new request with the key runs again', async () => {
      const claim = newClaim({ expiresAt: at(10 * MINUTE) });
      const first = await store.claim(claim, t0);
      if (first.outcome !== 'claimed') throw new Error('expected a claim');
      await store.complete({ ...claim, token: first.token }, 'v1.old', at(10 * MINUTE));
      expect(await store.claim({ ...claim, lockedUntil: at(12 * MINUTE), expiresAt: at(20 * MINUTE) }, at(11 * MINUTE))).toMatchObject({
        outcome: 'claimed',
      });
    });

    it('when pruned, then expired records go and live ones stay', async () => {
      const far = new Date('2099-01-01T00:00:00Z');
      const expired = newClaim({ expiresAt: at(MINUTE) });
      const live = newClaim({ lockedUntil: far, expiresAt: far });
      await store.claim(expired, t0);
      await store.claim(live, t0);
      expect(await store.pruneExpired(at(2 * MINUTE))).toBeGreaterThanOrEqual(1);
      expect(await store.claim(live, at(2 * MINUTE))).toMatchObject({ outcome: 'exists' });
      expect(await store.claim(expired, t0)).toMatchObject({ outcome: 'claimed' });
    });
  });
}
