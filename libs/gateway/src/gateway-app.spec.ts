import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryCache, InMemoryRateLimiter } from '@tenantry/cache';
import { resolveApiKeyPath, type PlanId, type ResolvedApiKey, type TenantStatus } from '@tenantry/contracts';
import { InMemoryEventBus } from '@tenantry/event-bus';
import { generateApiKey, signIdentity, verifyIdentity } from '@tenantry/http';
import { createLogger } from '@tenantry/telemetry';
import { eventually } from '@tenantry/testing';
import { Authenticator } from './auth/authenticate';
import { KeyResolver } from './auth/key-resolver';
import { createGatewayApp } from './gateway-app';
import { GatewayMetrics } from './gateway-metrics';
import { UsageMeter } from './metering/usage-meter';
import { Upstreams } from './proxy/upstreams';
import { ResponseCache } from './response-cache';

const ADMIN_KEY = 'admin-key-for-gateway-tests-0123456789abcdef';
const SECRET = 'internal-secret-for-gateway-tests-0123456789';
const logger = createLogger({ service: 'gateway', level: 'silent' });

interface StubTenant {
  status: TenantStatus;
  tier: PlanId;
}

/**
 * A stand-in for the services behind the gateway: it resolves keys like the tenants service and echoes
 * what it received, after checking the gateway's signature like every real service does.
 */
class StubServices {
  readonly keys = new Map<string, { plaintext: string; resolved: ResolvedApiKey }>();
  readonly received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; identity: unknown }> = [];
  readonly tenants = new Map<string, StubTenant>();
  server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const verified = verifyIdentity(req.headers, { method: req.method ?? 'GET', url: req.url ?? '/' }, SECRET);
      if (!verified.ok) {
        res.writeHead(401).end();
        return;
      }
      if (req.url?.startsWith('/internal/v1/api-keys/')) {
        const keyId = decodeURIComponent(req.url.split('/').pop() ?? '');
        const entry = this.keys.get(keyId);
        if (!entry) {
          res.writeHead(404).end();
          return;
        }
        const tenant = this.tenants.get(entry.resolved.tenantId);
        const body = { ...entry.resolved, tenant: { ...entry.resolved.tenant, status: tenant?.status ?? 'active', subscriptionTier: tenant?.tier ?? 'pro' } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, identity: verified.identity });
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ seen: this.received.length, url: req.url, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addTenant(tenantId: string, tier: PlanId = 'pro', status: TenantStatus = 'active', scopes: string[] = []): string {
    const key = generateApiKey();
    if (!this.tenants.has(tenantId)) this.tenants.set(tenantId, { status, tier });
    this.keys.set(key.keyId, {
      plaintext: key.plaintext,
      resolved: {
        keyId: key.keyId,
        tenantId,
        keyHash: key.hash,
        scopes,
        revokedAt: null,
        expiresAt: null,
        tenant: { id: tenantId, status, subscriptionTier: tier, timezone: 'Europe/Ljubljana' },
      },
    });
    return key.plaintext;
  }
}

describe('gateway pipeline', () => {
  let stub: StubServices;
  let gatewayUrl: string;
  let gatewayServer: Server;
  let upstreams: Upstreams;
  let bus: InMemoryEventBus;
  let meter: UsageMeter;
  let keys: KeyResolver;

  beforeAll(async () => {
    stub = new StubServices();
    const stubUrl = await stub.start();
    upstreams = new Upstreams({ urlOf: () => stubUrl, timeoutMs: 2_000, maxSockets: 16, logger });
    bus = new InMemoryEventBus({ logger });
    meter = new UsageMeter({ bus, logger, reporter: 'test', flushIntervalMs: 60_000 });
    keys = new KeyResolver({
      fetchKey: async (keyId) => {
        const response = await fetch(`${stubUrl}${resolveApiKeyPath(keyId)}`, {
          headers: signIdentity({ role: 'service', service: 'gateway' }, { method: 'GET', url: resolveApiKeyPath(keyId) }, SECRET),
        });
        return response.status === 404 ? null : ((await response.json()) as ResolvedApiKey);
      },
      ttlMs: 60_000,
      negativeTtlMs: 1_000,
    });
    const app = createGatewayApp({
      logger,
      internalSecret: SECRET,
      authenticator: new Authenticator(ADMIN_KEY, keys),
      rateLimiter: new InMemoryRateLimiter(),
      responseCache: new ResponseCache({ cache: new InMemoryCache(), logger, enabled: true }),
      upstreams,
      meter,
      metrics: new GatewayMetrics(),
    });
    gatewayServer = createServer(app);
    await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    upstreams.close();
    await new Promise((resolve) => gatewayServer.close(resolve));
    await new Promise((resolve) => stub.server.close(resolve));
    await bus.close();
  });

  const call = (path: string, key: string | undefined, init: RequestInit = {}) =>
    fetch(`${gatewayUrl}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });

  it('when no credential, a malformed one or an unknown key is sent, then the answer is 401 with WWW-Authenticate', async () => {
    for (const key of [undefined, 'not-a-key', 'tnt_aaaaaaaaaaaaaaaa_' + 'x'.repeat(43)]) {
      const response = await call('/api/v1/tenants/t1', key);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tenantry"');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('when a real key id carries the wrong secret, then it is refused like an unknown key', async () => {
    const key = stub.addTenant('ten_wrong_secret');
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await call('/api/v1/tenants/ten_wrong_secret', forged)).status).toBe(401);
  });

  it('when a tenant calls, then the service receives the signed tenant identity and none of the client headers claiming one', async () => {
    const key = stub.addTenant('ten_signed');
    const response = await call('/api/v1/tenants/ten_signed/things', key, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'ten_other', 'x-role': 'admin' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { body: string }).body).toBe('{"hello":"world"}');
    const received = stub.received.at(-1);
    expect(received?.identity).toEqual({ role: 'tenant', tenantId: 'ten_signed', keyId: expect.stringMatching(/^key_/), scopes: [] });
    expect(received?.headers['x-tenant-id']).toBeUndefined();
    expect(received?.headers['x-role']).toBeUndefined();
    expect(received?.headers.authorization).toBeUndefined();
  });

  it('when the admin key is used, then the service receives the admin identity and nothing is cached', async () => {
    await call('/api/v1/tenants', ADMIN_KEY);
    const response = await call('/api/v1/tenants', ADMIN_KEY);
    expect(response.headers.get('x-cache-status')).toBe('BYPASS');
    expect(stub.received.at(-1)?.identity).toEqual({ role: 'admin' });
  });

  it.each(['suspended', 'cancelled'] as const)('when the tenant is %s, then its key gets a 403 problem', async (status) => {
    const key = stub.addTenant(`ten_${status}`, 'pro', status);
    const response = await call(`/api/v1/tenants/ten_${status}`, key);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ tenantStatus: status });
  });

  it('when a basic tenant calls the AI assistant, then it is refused naming the plan that unlocks it', async () => {
    const key = stub.addTenant('ten_basic_ai', 'basic');
    const response = await call('/api/v1/ai-assistant/tasks', key);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ feature: 'ai_assistant', currentPlan: 'basic', requiredPlan: 'pro' });
  });

  it('when a tenant reads twice, then the second is a HIT served without the upstream, with fresh rate-limit headers', async () => {
    const key = stub.addTenant('ten_cache');
    const before = stub.received.length;
    const first = await call('/api/v1/tenants/ten_cache/features', key);
    const second = await call('/api/v1/tenants/ten_cache/features', key);
    expect([first.headers.get('x-cache-status'), second.headers.get('x-cache-status')]).toEqual(['MISS', 'HIT']);
    expect(await second.json()).toEqual(await first.json());
    expect(stub.received.length - before).toBe(1);
    expect(first.headers.get('ratelimit')).toMatch(/"minute";r=99;t=\d+/);
    expect(second.headers.get('ratelimit')).toMatch(/"minute";r=98;t=\d+/);
  });

  it('when two keys of one tenant have different scopes, then they never share a cached response', async () => {
    const full = stub.addTenant('ten_scoped');
    const readOnly = stub.addTenant('ten_scoped', 'pro', 'active', ['read']);
    await call('/api/v1/tenants/ten_scoped/api-keys', full);
    expect((await call('/api/v1/tenants/ten_scoped/api-keys', full)).headers.get('x-cache-status')).toBe('HIT');
    expect((await call('/api/v1/tenants/ten_scoped/api-keys', readOnly)).headers.get('x-cache-status')).toBe('MISS');
  });

  it('when a tenant writes, then its cached reads are purged before the write is forwarded', async () => {
    const key = stub.addTenant('ten_write');
    await call('/api/v1/tenants/ten_write', key);
    expect((await call('/api/v1/tenants/ten_write', key)).headers.get('x-cache-status')).toBe('HIT');
    await call('/api/v1/tenants/ten_write', key, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await call('/api/v1/tenants/ten_write', key)).headers.get('x-cache-status')).toBe('MISS');
  });

  it("when the plan's per-minute limit is used up, then the next request is a 429 problem with Retry-After and is not forwarded", async () => {
    const key = stub.addTenant('ten_limited', 'basic');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await call(`/api/v1/tenants/ten_limited?i=${i}`, key)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
    const refused = await call('/api/v1/tenants/ten_limited?i=last', key);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toContain('"minute";q=10;w=60');
    expect(await refused.json()).toMatchObject({ status: 429, policy: 'minute' });
    expect(stub.received.some((received) => received.url === '/api/v1/tenants/ten_limited?i=last')).toBe(false);
  });

  it('when requests were served, then usage events count each of them once, per tenant', async () => {
    const counted: number[] = [];
    const subscription = await bus.subscribe({
      groupId: 'meter-check',
      eventTypes: ['metric.recorded'],
      fromBeginning: true,
      retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
      handler: async (event) => {
        if (event.subject === 'ten_metered') counted.push(...event.data.samples.map((sample) => sample.requestCount));
      },
    });
    const key = stub.addTenant('ten_metered');
    for (let i = 0; i < 3; i += 1) await call(`/api/v1/tenants/ten_metered?m=${i}`, key);
    await eventually(async () => {
      await meter.flush();
      return counted.reduce((sum, count) => sum + count, 0) === 3;
    });
    await subscription.stop();
    expect(counted.reduce((sum, count) => sum + count, 0)).toBe(3);
  });

  it('when a path is outside the API or ambiguous, then the gateway answers itself (404 / 400)', async () => {
    const key = stub.addTenant('ten_paths');
    expect((await call('/internal/v1/api-keys/key_x', key)).status).toBe(404);
    // fetch() would normalise the dot segments itself: send the raw path.
    const raw = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(gatewayUrl);
      const path = '/api/v1/tenants/ten_paths/%2e%2e/%2e%2e/internal/v1/api-keys/x';
      request({ hostname, port, path, headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(raw).toBe(400);
  });

  it('when the service is unreachable, then the answer is a 502 problem', async () => {
    const key = stub.addTenant('ten_down');
    const dead = new Upstreams({ urlOf: () => 'http://127.0.0.1:1', timeoutMs: 500, maxSockets: 1, logger });
    const app = createGatewayApp({
      logger,
      internalSecret: SECRET,
      authenticator: new Authenticator(ADMIN_KEY, keys),
      responseCache: new ResponseCache({ cache: new InMemoryCache(), logger, enabled: false }),
      upstreams: dead,
      metrics: new GatewayMetrics(),
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${url}/api/v1/tenants/ten_down`, { method, headers: { authorization: `Bearer ${key}` } });
        expect(response.status).toBe(502);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
    } finally {
      dead.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when many requests are proxied, then the upstream connections are reused (keep-alive)', async () => {
    const key = stub.addTenant('ten_keepalive', 'enterprise');
    const before = upstreams.newConnections;
    for (let i = 0; i < 50; i += 1) await call(`/api/v1/tenants/ten_keepalive?k=${i}`, key, { headers: { 'cache-control': 'no-cache' } });
    expect(upstreams.newConnections - before).toBeLessThanOrEqual(2);
  });

  it('when requests were cached or refused, then /metrics counts them by outcome, without tenant labels', async () => {
    const key = stub.addTenant('ten_metrics');
    await call('/api/v1/tenants/ten_metrics/m', key);
    await call('/api/v1/tenants/ten_metrics/m', key);
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tenantry_gateway_cache_requests_total\{cache_status="HIT"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_gateway_rate_limited_total\{rate_limit_policy="minute"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_gateway_auth_refusals_total\{refusal_reason="missing"[^}]*\} [1-9]/m);
    expect(metrics).not.toContain('ten_metrics');
  });
});
