import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryCache } from '@tenantry/cache';
import { parseApiKey, verifyIdentity } from '@tenantry/http';
import { eventually } from '@tenantry/testing';
import { Authenticator } from './auth/authenticate';
import { createGatewayApp } from './gateway-app';
import { GatewayMetrics } from './gateway-metrics';
import { Upstreams } from './proxy/upstreams';
import { ResponseCache } from './response-cache';
import {
  ADMIN_KEY,
  callGateway,
  SECRET,
  silentLogger as logger,
  startTestGateway,
  StubServices,
  type TestGateway,
} from './test-support/gateway-harness';

describe('gateway pipeline', () => {
  let stub: StubServices;
  let gateway: TestGateway;
  let gatewayUrl: string;

  beforeAll(async () => {
    stub = new StubServices();
    gateway = await startTestGateway(await stub.start());
    gatewayUrl = gateway.url;
  });

  afterAll(async () => {
    await gateway.close();
    await stub.close();
  });

  const call = (path: string, key: string | undefined, init: RequestInit = {}) => callGateway(gatewayUrl, path, key, init);

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
    expect(received?.identity).toEqual({
      role: 'tenant',
      tenantId: 'ten_signed',
      keyId: expect.stringMatching(/^key_/),
      scopes: [],
      planId: 'pro',
    });
    expect(received?.headers['x-tenant-id']).toBeUndefined();
    expect(received?.headers['x-role']).toBeUndefined();
    expect(received?.headers.authorization).toBeUndefined();
  });

  it('when a tenant calls a service, then the identity is signed for that service and the body length it is forwarded with, and no other service accepts it', async () => {
    const key = stub.addTenant('ten_audience', 'pro');
    const body = JSON.stringify({ name: 'žabji kraki' }); // multi-byte: the length signed is in bytes
    expect(
      (await call('/api/v1/monetization/subscribe', key, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status,
    ).toBe(201);
    const received = stub.received.at(-1) as (typeof stub.received)[number];
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    const arrived = { method: received.method, url: received.url };
    expect(verifyIdentity(received.headers, arrived, SECRET, { audience: 'billing' })).toMatchObject({ ok: true });
    expect(verifyIdentity(received.headers, arrived, SECRET, { audience: 'tenants' })).toMatchObject({
      ok: false,
      wrongAudience: 'billing',
    });
    expect(verifyIdentity({ ...received.headers, 'content-length': '2' }, arrived, SECRET, { audience: 'billing' })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
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
    expect(await response.json()).toMatchObject({ tenant_status: status });
  });

  it('when a tenant is cancelled and its keys were revoked with it (as the tenants service does), then a key still gets the same 403 problem as a suspended one, naming the status', async () => {
    const suspendedKey = stub.addTenant('ten_suspended_shape', 'pro', 'suspended');
    const cancelledKey = stub.addTenant('ten_cancelled_revoked', 'pro', 'cancelled');
    const revoke = (plaintext: string): void => {
      const keyId = parseApiKey(plaintext)?.keyId as string;
      (stub.keys.get(keyId) as { resolved: { revokedAt: string | null } }).resolved.revokedAt = '2025-06-02T10:00:00.000Z';
    };
    revoke(cancelledKey);

    const [suspended, cancelled] = await Promise.all([
      call('/api/v1/tenants/ten_suspended_shape', suspendedKey),
      call('/api/v1/tenants/ten_cancelled_revoked', cancelledKey),
    ]);
    expect([suspended.status, cancelled.status]).toEqual([403, 403]);
    expect(cancelled.headers.get('content-type')).toContain('application/problem+json');
    const [suspendedBody, cancelledBody] = (await Promise.all([suspended.json(), cancelled.json()])) as Array<Record<string, unknown>>;
    expect(Object.keys(cancelledBody as object).sort()).toEqual(Object.keys(suspendedBody as object).sort());
    expect(cancelledBody).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      status: 403,
      tenant_status: 'cancelled',
      detail: 'Tenant ten_cancelled_revoked is cancelled; its API access is disabled.',
    });

    // Without the secret nothing is learned about the tenant; a revoked key of a live tenant stays a 401.
    const wrongSecret = `${cancelledKey.slice(0, -1)}${cancelledKey.endsWith('A') ? 'B' : 'A'}`;
    expect((await call('/api/v1/tenants/ten_cancelled_revoked', wrongSecret)).status).toBe(401);
    const liveKey = stub.addTenant('ten_live_revoked_key', 'pro', 'active');
    revoke(liveKey);
    expect((await call('/api/v1/tenants/ten_live_revoked_key', liveKey)).status).toBe(401);
  });

  it('when a basic tenant calls the AI assistant, then it is refused naming the plan that unlocks it', async () => {
    const key = stub.addTenant('ten_basic_ai', 'basic');
    const response = await call('/api/v1/ai-assistant/tasks', key);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ feature: 'ai_assistant', current_plan: 'basic', required_plan: 'pro' });
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
    const readOnly = stub.addTenant('ten_scoped', 'pro', 'active', ['tenants:read']);
    await call('/api/v1/tenants/ten_scoped/api-keys', full);
    expect((await call('/api/v1/tenants/ten_scoped/api-keys', full)).headers.get('x-cache-status')).toBe('HIT');
    expect((await call('/api/v1/tenants/ten_scoped/api-keys', readOnly)).headers.get('x-cache-status')).toBe('MISS');
  });

  it('when a key is limited to scopes, then it reaches only their areas and methods; a refusal is a 403 naming the scope, not forwarded and not counted against the quota', async () => {
    const billingReader = stub.addTenant('ten_scopes', 'pro', 'active', ['billing:read', 'tenants:write']);
    const before = stub.received.length;
    const allowed = [
      await call('/api/v1/monetization/invoices', billingReader),
      await call('/api/v1/tenants/ten_scopes', billingReader),
      await call('/api/v1/tenants/ten_scopes', billingReader, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    ];
    expect(allowed.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(stub.received.length - before).toBe(3);
    const minuteLeft = (response: Response | undefined) => Number(/"minute";r=(\d+)/.exec(response?.headers.get('ratelimit') ?? '')?.[1]);
    const leftBefore = minuteLeft(allowed[2]);
    expect(leftBefore).toBeGreaterThan(90);

    const refused = [
      [
        await call('/api/v1/monetization/subscriptions/sub_1/cancel', billingReader, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        'billing:write',
      ],
      [await call('/api/v1/observability/metrics', billingReader), 'observability:read'],
    ] as const;
    for (const [response, scope] of refused) {
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({
        required_scope: scope,
        key_scopes: ['billing:read', 'tenants:write'],
        detail: expect.stringContaining(`needs the scope ${scope}`),
      });
      expect(response.headers.get('ratelimit')).toBeNull();
    }
    expect(stub.received.length - before).toBe(3);
    // The next allowed request takes one more from the minute's quota: the two refusals took none.
    expect(minuteLeft(await call('/api/v1/tenants/ten_scopes', billingReader))).toBe(leftBefore - 1);
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
    const subscription = await gateway.bus.subscribe({
      groupId: 'meter-check',
      eventTypes: ['metric.recorded'],
      fromBeginning: true,
      retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
      handler: async (event) => {
        if (event.subject === 'ten_metered') counted.push(...event.data.samples.map((sample) => sample.request_count));
      },
    });
    const key = stub.addTenant('ten_metered');
    for (let i = 0; i < 3; i += 1) await call(`/api/v1/tenants/ten_metered?m=${i}`, key);
    await eventually(async () => {
      await gateway.meter.flush();
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
    const dead = new Upstreams({ urlOf: () => 'http://127.0.0.1:1', internalSecret: SECRET, timeoutMs: 500, maxSockets: 1, logger });
    const app = createGatewayApp({
      logger,
      authenticator: new Authenticator(ADMIN_KEY, gateway.keys, gateway.plans),
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
    const before = gateway.upstreams.newConnections;
    for (let i = 0; i < 50; i += 1) await call(`/api/v1/tenants/ten_keepalive?k=${i}`, key, { headers: { 'cache-control': 'no-cache' } });
    expect(gateway.upstreams.newConnections - before).toBeLessThanOrEqual(2);
  });

  it("when requests were cached or refused, then the operator listener's /metrics counts them by outcome, without tenant labels, and the public door has no /metrics", async () => {
    const key = stub.addTenant('ten_metrics');
    await call('/api/v1/tenants/ten_metrics/m', key);
    await call('/api/v1/tenants/ten_metrics/m', key);
    const cancelledKey = stub.addTenant('ten_metrics_cancelled', 'pro', 'cancelled');
    expect((await call('/api/v1/tenants/ten_metrics_cancelled/m', cancelledKey)).status).toBe(403);
    expect((await call('/api/v1/tenants/ten_metrics/m', undefined)).status).toBe(401);
    const limitedKey = stub.addTenant('ten_metrics_limited', 'basic'); // 10 requests a minute
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await call(`/api/v1/tenants/ten_metrics_limited/m?i=${i}`, limitedKey)).status);
    expect(statuses).toContain(429);
    expect((await fetch(`${gatewayUrl}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`${gateway.operatorUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tenantry_gateway_cache_requests_total\{cache_status="HIT"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_gateway_rate_limited_total\{rate_limit_policy="minute"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_gateway_auth_refusals_total\{refusal_reason="missing"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_gateway_auth_refusals_total\{refusal_reason="cancelled"[^}]*\} [1-9]/m);
    expect(metrics).not.toContain('ten_metrics');
  });

  it("when the gateway's state is asked, then the public /health only says it answers and the operator /health shows the metering backlog and the plans in force", async () => {
    const key = stub.addTenant('ten_state');
    await call('/api/v1/tenants/ten_state/s', key);
    expect(await (await fetch(`${gatewayUrl}/health`)).json()).toEqual({ status: 'ok', service: 'gateway' });
    const state = (await (await fetch(`${gateway.operatorUrl}/health`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      status: 'ok',
      degraded: [],
      rate_limiter: { enabled: true, backend: 'per-process', degraded: false },
      response_cache: { enabled: true, degraded: false },
      metering: { enabled: true, recorded: expect.any(Number), pending_events: expect.any(Number) },
      plans_in_force: { tenants: expect.any(Number), applied: expect.any(Number), ignored_as_older: expect.any(Number) },
      upstream_connections: gateway.upstreams.newConnections,
    });
    // The call is recorded when its answer has gone out, which the client may see first.
    await eventually(
      async () =>
        ((await (await fetch(`${gateway.operatorUrl}/health`)).json()) as { metering: { recorded: number } }).metering.recorded > 0,
      {
        description: 'the call to be recorded for metering',
      },
    );
  });
});
