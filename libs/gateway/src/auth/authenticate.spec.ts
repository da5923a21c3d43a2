import { ForbiddenError, type ResolvedApiKey, UnauthorizedError } from '@tenantry/contracts';
import { generateApiKey } from '@tenantry/http';
import { Authenticator } from './authenticate';
import { KeyResolver } from './key-resolver';
import { PlansInForce } from './plans-in-force';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function buildKey(overrides: Partial<ResolvedApiKey> = {}) {
  const generated = generateApiKey();
  const resolved: ResolvedApiKey = {
    keyId: generated.keyId,
    tenantId: 'ten_a',
    keyHash: generated.hash,
    scopes: [],
    revokedAt: null,
    expiresAt: null,
    tenant: { id: 'ten_a', status: 'active', subscriptionTier: 'pro', subscriptionRevision: 1, timezone: 'UTC' },
    ...overrides,
  };
  return { plaintext: generated.plaintext, resolved };
}

function buildAuthenticator(resolved: ResolvedApiKey, clock: { now: number }) {
  let lookups = 0;
  const keys = new KeyResolver({
    fetchKey: () => {
      lookups += 1;
      return Promise.resolve(resolved);
    },
    ttlMs: 60_000,
    negativeTtlMs: 1_000,
    now: () => clock.now,
  });
  const plans = new PlansInForce();
  const authenticator = new Authenticator('admin-secret-that-is-long-enough', keys, plans, () => clock.now);
  return { authenticator, keys, plans, lookups: () => lookups };
}

describe('Authenticator: a key proven once is remembered with its resolution', () => {
  it('when the same key is presented again, then the same caller is returned and a wrong secret for that key id is still refused', async () => {
    const { plaintext, resolved } = buildKey();
    const { authenticator } = buildAuthenticator(resolved, { now: NOW });
    const first = await authenticator.authenticate(`Bearer ${plaintext}`);
    const second = await authenticator.authenticate(`Bearer ${plaintext}`);
    expect(second).toBe(first);
    expect(second).toMatchObject({ kind: 'tenant', tenantId: 'ten_a', tier: 'pro' });

    const wrong = `${plaintext.slice(0, -1)}${plaintext.endsWith('A') ? 'B' : 'A'}`;
    await expect(authenticator.authenticate(`Bearer ${wrong}`)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticator.authenticate(`Bearer ${plaintext}`)).resolves.toBe(first);
  });

  it('when a remembered key reaches its expiry, then it is refused from that instant', async () => {
    const clock = { now: NOW };
    const { plaintext, resolved } = buildKey({ expiresAt: new Date(NOW + 5_000).toISOString() });
    const { authenticator } = buildAuthenticator(resolved, clock);
    await expect(authenticator.authenticate(`Bearer ${plaintext}`)).resolves.toMatchObject({ kind: 'tenant' });
    clock.now = NOW + 5_000;
    await expect(authenticator.authenticate(`Bearer ${plaintext}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('when a subscription event changes the plan in force, then the next request carries the new plan', async () => {
    const { plaintext, resolved } = buildKey();
    const { authenticator, plans } = buildAuthenticator(resolved, { now: NOW });
    await authenticator.authenticate(`Bearer ${plaintext}`);
    plans.record('ten_a', { planId: 'enterprise', revision: 2 });
    await expect(authenticator.authenticate(`Bearer ${plaintext}`)).resolves.toMatchObject({
      tier: 'enterprise',
      identity: { planId: 'enterprise' },
    });
  });

  it('when the key resolver forgets the key and resolves it again (suspended meanwhile), then the new resolution decides', async () => {
    const { plaintext, resolved } = buildKey();
    let current = resolved;
    const clock = { now: NOW };
    const keys = new KeyResolver({ fetchKey: () => Promise.resolve(current), ttlMs: 60_000, negativeTtlMs: 1_000, now: () => clock.now });
    const authenticator = new Authenticator('admin-secret-that-is-long-enough', keys, new PlansInForce(), () => clock.now);
    await authenticator.authenticate(`Bearer ${plaintext}`);

    current = { ...resolved, tenant: { ...resolved.tenant, status: 'suspended' } };
    keys.forgetTenant('ten_a');
    await expect(authenticator.authenticate(`Bearer ${plaintext}`)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
