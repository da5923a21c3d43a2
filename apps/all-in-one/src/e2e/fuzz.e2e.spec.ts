import { ADMIN_KEY, createTenant, type CreatedTenant, usePlatform } from '../test-support/e2e-harness';

/** A small seeded generator: the same seed gives the same inputs, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(values: readonly T[]): T => values[int(values.length)] as T;
  return { next, int, pick };
}

const NASTY_STRINGS = ['', ' ', '\u0000', '💥', '../../etc/passwd', '%00', '"', "'; DROP TABLE tenants; --", '{"$gt":""}', 'a'.repeat(5_000), '__proto__', 'constructor', '\ud800', 'ten_', '-1', '1e309', 'NaN'];

/** Percent-encodes, keeping strings that are not valid UTF-16 as invalid UTF-8 escapes (servers must cope). */
function encodeLoosely(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function randomJson(rng: ReturnType<typeof random>, depth = 0): unknown {
  const kind = rng.int(depth > 2 ? 5 : 8);
  switch (kind) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1:
      return rng.pick([0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER + 2, -0]);
    case 2:
      return rng.pick([true, false]);
    case 3:
      return null;
    case 4:
      return rng.pick(['basic', 'pro', 'enterprise', 'suspended', 'active', 'cancelled', 'trial', 'UTC', 'Europe/Ljubljana']);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
    default: {
      const keys = ['name', 'subscriptionTier', 'timezone', 'billingEmail', 'metadata', 'settings', 'status', 'reason', 'scopes', '$where', '__proto__', 'tenantId', 'id', 'version'];
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(keys), randomJson(rng, depth + 1)]));
    }
  }
}

function randomBody(rng: ReturnType<typeof random>): string {
  const kind = rng.int(5);
  if (kind === 0) return JSON.stringify(randomJson(rng)).slice(0, rng.int(60)); // truncated JSON
  if (kind === 1) return rng.pick(NASTY_STRINGS);
  return JSON.stringify(randomJson(rng));
}

/**
 * MISSION §8: fuzzed bodies, headers and query strings through the gateway never cause a 5xx and never
 * change state that the request was not allowed to change. Embedded mode, so it runs everywhere.
 */
describe('fuzzed requests through the gateway (embedded mode)', () => {
  const { admin } = usePlatform(() => ({ ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', RATE_LIMIT_OVERRIDES: '{"pro":{"requestsPerMinute":100000}}' }));
  let victim: CreatedTenant;
  let attacker: CreatedTenant;

  beforeAll(async () => {
    victim = await createTenant(admin, { subscriptionTier: 'pro' });
    attacker = await createTenant(admin, { subscriptionTier: 'pro' });
  }, 30_000);

  it('when 600 random requests are sent, then none is a 5xx and the victim tenant is untouched', async () => {
    const rng = random(20261127);
    const victimBefore = await admin.get(`/api/v1/tenants/${victim.tenant.id}`);
    const tenantsBefore = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100');
    const asAttacker = admin.as(attacker.apiKey.key);
    const paths = [
      `/api/v1/tenants/${victim.tenant.id}`,
      `/api/v1/tenants/${victim.tenant.id}/status`,
      `/api/v1/tenants/${victim.tenant.id}/api-keys`,
      `/api/v1/tenants/${victim.tenant.id}/api-keys/${victim.apiKey.id}/rotate`,
      `/api/v1/tenants/${attacker.tenant.id}`,
      `/api/v1/tenants/${attacker.tenant.id}/api-keys`,
      `/api/v1/tenants/${attacker.tenant.id}/upgrade`,
      '/api/v1/tenants',
      `/api/v1/tenants/${encodeLoosely(rng.pick(NASTY_STRINGS))}`,
    ];
    const failures: string[] = [];
    let sent = 0;
    for (let i = 0; i < 600; i += 1) {
      const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
      const query = rng.int(2) === 0 ? '' : `?${rng.pick(['limit', 'cursor', 'status', 'tier', 'tenant_id', 'limit[]'])}=${encodeLoosely(rng.pick(NASTY_STRINGS))}`;
      const headers: Record<string, string> = {
        'x-tenant-id': victim.tenant.id,
        'x-role': 'admin',
        'idempotency-key': rng.pick(['', 'k', 'a'.repeat(300), '\t', 'same-key']),
        'content-type': rng.pick(['application/json', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data']),
      };
      const body = method === 'GET' || method === 'HEAD' ? undefined : randomBody(rng);
      const path = `${rng.pick(paths)}${query}`;
      let status: number;
      try {
        status = (await asAttacker.send(method, path, body, headers)).status;
      } catch (error) {
        // fetch refuses some inputs itself (e.g. a body it cannot encode): nothing was sent.
        if (error instanceof TypeError) continue;
        throw error;
      }
      sent += 1;
      if (status >= 500) failures.push(`${method} ${path} ${String(body).slice(0, 80)} → ${status}`);
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(500);

    expect(await admin.get(`/api/v1/tenants/${victim.tenant.id}`)).toMatchObject({ status: 200, body: victimBefore.body });
    expect((await admin.as(victim.apiKey.key).get(`/api/v1/tenants/${victim.tenant.id}`)).status).toBe(200);
    const tenantsAfter = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100');
    expect(tenantsAfter.body.items).toHaveLength(tenantsBefore.body.items.length);
  }, 60_000);
});
