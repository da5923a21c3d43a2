import { RawConnection, type RawResponse } from '@tenantry/testing';
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

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '💥',
  '../../etc/passwd',
  '%00',
  '"',
  "'; DROP TABLE tenants; --",
  '{"$gt":""}',
  'a'.repeat(5_000),
  '__proto__',
  'constructor',
  '\ud800',
  'ten_',
  '-1',
  '1e309',
  'NaN',
];

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
      const keys = [
        'name',
        'subscription_tier',
        'timezone',
        'billing_email',
        'metadata',
        'settings',
        'status',
        'reason',
        'scopes',
        '$where',
        '__proto__',
        'tenant_id',
        'id',
        'version',
      ];
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
  const { admin } = usePlatform(() => ({
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_OVERRIDES: '{"pro":{"requestsPerMinute":100000}}',
  }));
  let victim: CreatedTenant;
  let attacker: CreatedTenant;

  beforeAll(async () => {
    victim = await createTenant(admin, { subscription_tier: 'pro' });
    attacker = await createTenant(admin, { subscription_tier: 'pro' });
  }, 30_000);

  it('when 600 random requests are sent, then none is a 5xx and the victim tenant is untouched', async () => {
    const rng = random(20261127);
    const victimBefore = await admin.get(`/api/v1/tenants/${victim.tenant.id}`);
    const tenantsBefore = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100');
    const asAttacker = admin.as(attacker.api_key.key);
    const paths = [
      `/api/v1/tenants/${victim.tenant.id}`,
      `/api/v1/tenants/${victim.tenant.id}/status`,
      `/api/v1/tenants/${victim.tenant.id}/api-keys`,
      `/api/v1/tenants/${victim.tenant.id}/api-keys/${victim.api_key.id}/rotate`,
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
      const query =
        rng.int(2) === 0
          ? ''
          : `?${rng.pick(['limit', 'cursor', 'status', 'subscription_tier', 'tenant_id', 'limit[]'])}=${encodeLoosely(rng.pick(NASTY_STRINGS))}`;
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
    expect((await admin.as(victim.api_key.key).get(`/api/v1/tenants/${victim.tenant.id}`)).status).toBe(200);
    const tenantsAfter = await admin.get<{ items: unknown[] }>('/api/v1/tenants?limit=100');
    expect(tenantsAfter.body.items).toHaveLength(tenantsBefore.body.items.length);
  }, 60_000);
  /**
   * Framing an attacker controls: each case is sent on a raw keep-alive connection followed by a probe
   * request. The case must not be answered with a 5xx, and the connection must either be closed or answer
   * the probe with the probe's own answer — never with an answer to bytes smuggled inside the case.
   */
  it('when requests with ambiguous or hostile framing are sent, then none is a 5xx, the next request on the connection gets its own answer and nothing changes', async () => {
    const victimBefore = await admin.get(`/api/v1/tenants/${victim.tenant.id}`);
    const keysBefore = await admin.get<{ items: unknown[] }>(`/api/v1/tenants/${victim.tenant.id}/api-keys`);
    const key = attacker.api_key.key;
    const smuggled = `DELETE /api/v1/tenants/${victim.tenant.id}/api-keys/${victim.api_key.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n`;
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
    const auth = `Authorization: Bearer ${key}\r\n`;
    const target = `/api/v1/tenants/${attacker.tenant.id}`;
    const cases: Record<string, string> = {
      'conflicting Content-Length and Transfer-Encoding': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      'Transfer-Encoding then Content-Length': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Length: ${Buffer.byteLength(smuggled) + 5}\r\n\r\n0\r\n\r\n${smuggled}`,
      'duplicated Content-Length (same value)': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`,
      'duplicated Content-Length (different values)': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\nContent-Length: ${Buffer.byteLength(smuggled)}\r\n\r\n${smuggled}`,
      'a list in Content-Length': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2, 2\r\n\r\n{}`,
      'a signed Content-Length': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: +2\r\n\r\n{}`,
      'Transfer-Encoding on a GET': `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n${chunk(smuggled)}`,
      'Content-Length on a GET': `GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(smuggled)}\r\n\r\n${smuggled}`,
      'a body on a HEAD': `HEAD ${target} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${Buffer.byteLength(smuggled)}\r\n\r\n${smuggled}`,
      'an unknown transfer coding': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: gzip, chunked\r\n\r\n${chunk('{}')}`,
      'chunked not last': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked, identity\r\n\r\n${chunk('{}')}`,
      'whitespace before the colon': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}`,
      'an obs-folded header': `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}X-Folded: a\r\n ${smuggled.split('\r\n')[0]}\r\n\r\n`,
      'bare LF line ends': `GET ${target} HTTP/1.1\nHost: x\n${auth.trim()}\n\n`,
      'a bare LF inside a header block': `GET ${target} HTTP/1.1\r\nHost: x\n${auth}\r\n`,
      'an invalid chunk size': `POST ${target}/api-keys HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      'pipelined requests': `GET /api/v1/monetization/plans/basic HTTP/1.1\r\nHost: x\r\n\r\nGET ${target} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
      'an absolute-form target': `GET http://internal/internal/v1/api-keys/${victim.api_key.id} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
      'a NUL in a header': `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}X-A: a\u0000b\r\n\r\n`,
      'a huge header': `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
    };
    const probe = 'GET /api/v1/monetization/plans/pro HTTP/1.1\r\nHost: x\r\n\r\n';
    const failures: string[] = [];
    for (const [name, bytes] of Object.entries(cases)) {
      const connection = await RawConnection.open(admin.baseUrl);
      try {
        connection.write(bytes + probe);
        const answers: RawResponse[] = [];
        for (;;) {
          try {
            answers.push(await connection.read({ head: name.includes('HEAD') && answers.length === 0, timeoutMs: 5_000 }));
          } catch {
            break; // closed, or nothing more to read
          }
          if (answers.length > 4) break;
        }
        const statuses = answers.map((answer) => answer.status);
        if (answers.length === 0) failures.push(`${name}: no answer at all`);
        if (statuses.some((status) => status >= 500)) failures.push(`${name}: ${statuses.join(',')}`);
        const last = answers[answers.length - 1];
        const probeAnswered = last?.status === 200 && last.body.includes('"id":"pro"');
        // Either the probe got its own answer, or the connection was closed after the refusal.
        if (!probeAnswered && !connection.isClosed)
          failures.push(`${name}: connection left open without answering the probe (${statuses.join(',')})`);
        if (answers.some((answer) => answer !== last && answer.body.includes('"id":"pro"')))
          failures.push(`${name}: the probe's answer came early`);
      } finally {
        connection.close();
      }
      const fresh = await admin.as(undefined).get<{ id: string }>('/api/v1/monetization/plans/pro');
      if (fresh.body.id !== 'pro') failures.push(`${name}: a fresh request after it got ${JSON.stringify(fresh.body)}`);
    }
    expect(failures).toEqual([]);
    expect(await admin.get(`/api/v1/tenants/${victim.tenant.id}`)).toMatchObject({ status: 200, body: victimBefore.body });
    expect((await admin.get<{ items: unknown[] }>(`/api/v1/tenants/${victim.tenant.id}/api-keys`)).body.items).toEqual(
      keysBefore.body.items,
    );
    expect((await admin.as(victim.api_key.key).get(`/api/v1/tenants/${victim.tenant.id}`)).status).toBe(200);
  }, 120_000);
});
