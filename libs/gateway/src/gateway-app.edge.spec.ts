import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryCache } from '@tenantry/cache';
import { eventually, RawConnection, rawExchange } from '@tenantry/testing';
import { Authenticator } from './auth/authenticate';
import { createGatewayApp } from './gateway-app';
import { GatewayMetrics } from './gateway-metrics';
import { Upstreams } from './proxy/upstreams';
import { ResponseCache } from './response-cache';
import { API_CONTENT_SECURITY_POLICY } from './security-headers';
import {
  ADMIN_KEY,
  callGateway,
  SECRET,
  silentLogger,
  startTestGateway,
  StubServices,
  type TestGateway,
} from './test-support/gateway-harness';

/** The gateway at the edge, on real sockets in front of a stand-in service: framing, headers, bulkheads, throttling. */
describe('gateway edge', () => {
  const stub = new StubServices();
  let stubUrl: string;
  let gateway: TestGateway;

  beforeAll(async () => {
    stubUrl = await stub.start();
    gateway = await startTestGateway(stubUrl, {
      maxConcurrentPerCaller: 2,
      bodyLimits: { maxBytes: 64, timeoutMs: 300 },
      headersTimeoutMs: 1_000,
    });
  });
  afterAll(async () => {
    stub.releaseHeld();
    await gateway.close();
    await stub.close();
  });

  const lastReceived = () => stub.received[stub.received.length - 1];

  describe('framing', () => {
    it('when a GET is forwarded, then the service receives neither Content-Length nor Transfer-Encoding', async () => {
      const key = stub.addTenant('ten_frame_get');
      const response = await rawExchange(
        gateway.url,
        `GET /api/v1/tenants/ten_frame_get/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 0\r\n\r\n`,
      );
      expect(response.status).toBe(200);
      expect(lastReceived()?.headers).not.toHaveProperty('content-length');
      expect(lastReceived()?.headers).not.toHaveProperty('transfer-encoding');
    });

    it('when a chunked POST is forwarded, then the service receives the same bytes with their exact Content-Length and no Transfer-Encoding', async () => {
      const key = stub.addTenant('ten_frame_post');
      const response = await rawExchange(
        gateway.url,
        `POST /api/v1/tenants/ten_frame_post/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n`,
      );
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ body: 'abcde' });
      expect(lastReceived()?.headers['content-length']).toBe('5');
      expect(lastReceived()?.headers).not.toHaveProperty('transfer-encoding');
    });

    it.each([
      [
        'both Content-Length and Transfer-Encoding',
        'POST /api/v1/tenants/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      ['two Content-Length headers', 'POST /api/v1/tenants/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'],
      ['an invalid Content-Length', 'POST /api/v1/tenants/x HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc'],
      [
        'a transfer coding other than chunked',
        'POST /api/v1/tenants/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      ],
      ['a body on a GET', 'GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc'],
      ['an absolute-form target', 'GET http://127.0.0.1/api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['an obs-folded header', 'GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'],
      ['bare LF line ends', 'GET /api/v1/monetization/plans HTTP/1.1\nHost: x\n\n'],
    ])('when a request has %s, then it gets a 400 problem with the security headers and reaches no service', async (_case, raw) => {
      const before = stub.received.length;
      const response = await rawExchange(gateway.url, raw);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.body)).toMatchObject({ status: 400, type: 'https://tenantry.dev/problems/bad-request' });
      expect(response.headers['x-content-type-options']).toEqual(['nosniff']);
      expect(stub.received.length).toBe(before);
    });
  });

  describe('headers', () => {
    it('when a client names hop-by-hop headers and claims forwarding headers, then the service sees none of them and X-Forwarded-* as the gateway saw the connection', async () => {
      const key = stub.addTenant('ten_hop');
      const response = await rawExchange(
        gateway.url,
        `POST /api/v1/tenants/ten_hop/a HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer ${key}\r\nConnection: keep-alive, x-client-hop\r\nX-Client-Hop: 1\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Host: evil.example\r\nForwarded: for=1.2.3.4\r\nX-Real-IP: 1.2.3.4\r\nX-Request-Id: my-request-1\r\nContent-Length: 2\r\n\r\n{}`,
      );
      expect(response.status).toBe(201);
      const headers = lastReceived()?.headers ?? {};
      for (const name of ['x-client-hop', 'keep-alive', 'te', 'forwarded', 'x-real-ip'])
        expect({ name, value: headers[name] }).toEqual({ name, value: undefined });
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(headers['x-forwarded-host']).toBe('api.example.com');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-request-id']).toBe('my-request-1');
      expect(headers.host).toBe(new URL(stubUrl).host);
      expect(response.headers['x-request-id']).toEqual(['my-request-1']);
    });

    it.each(['GET', 'POST'])(
      "when a service names hop-by-hop headers in its %s answer, then the client gets none of them, and the request id is the gateway's",
      async (method) => {
        const key = stub.addTenant(`ten_hop_back_${method}`);
        const response = await callGateway(gateway.url, `/api/v1/tenants/ten_hop_back_${method}/hop`, key, {
          method,
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('x-upstream-hop')).toBeNull();
        expect(response.headers.get('x-request-id')).not.toBe('the-service-own-id');
        expect(response.headers.get('x-request-id')).toBe(lastReceived()?.headers['x-request-id']);
      },
    );

    it('when anything answers (a proxied answer, a cached one, a problem, a probe), then it carries the security headers, and no HSTS without TLS', async () => {
      const key = stub.addTenant('ten_sec');
      const answers = [
        await callGateway(gateway.url, '/api/v1/tenants/ten_sec/a', key, { method: 'POST', body: '{}' }),
        await callGateway(gateway.url, '/api/v1/tenants/ten_sec/a', key),
        await callGateway(gateway.url, '/api/v1/tenants/ten_sec/a', key),
        await callGateway(gateway.url, '/api/v1/tenants/ten_sec/a', undefined),
        await callGateway(gateway.url, '/nowhere', undefined),
        await callGateway(gateway.url, '/health', undefined),
      ];
      expect(answers[2]?.headers.get('x-cache-status')).toBe('HIT');
      for (const answer of answers) {
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('content-security-policy')).toBe(API_CONTENT_SECURITY_POLICY);
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('strict-transport-security')).toBeNull();
      }
    });

    it('when the deployment is behind TLS, then answers carry HSTS', async () => {
      const tls = await startTestGateway(stubUrl, { behindTls: true });
      try {
        const answer = await callGateway(tls.url, '/health', undefined);
        expect(answer.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      } finally {
        await tls.close();
      }
    });
  });

  describe('upstream failures', () => {
    let dead: Server;
    let deadUrl: string;
    beforeAll(async () => {
      const upstreams = new Upstreams({
        urlOf: () => 'http://127.0.0.1:1',
        internalSecret: SECRET,
        timeoutMs: 500,
        maxSockets: 1,
        logger: silentLogger,
      });
      dead = createServer(
        createGatewayApp({
          logger: silentLogger,
          authenticator: new Authenticator(ADMIN_KEY, gateway.keys, gateway.plans),
          responseCache: new ResponseCache({ cache: new InMemoryCache(), logger: silentLogger, enabled: true }),
          upstreams,
          metrics: new GatewayMetrics(),
        }),
      );
      await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
      deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => dead.close(resolve)));

    it.each(['GET', 'POST'])(
      'when the service is unreachable for a %s, then a 502 problem names the path and the request id the gateway answers with',
      async (method) => {
        const response = await fetch(`${deadUrl}/api/v1/tenants/x?q=1`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        const problem = (await response.json()) as Record<string, unknown>;
        expect(response.status).toBe(502);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(problem).toMatchObject({ status: 502, instance: '/api/v1/tenants/x', request_id: response.headers.get('x-request-id') });
      },
    );
  });

  describe('bodies', () => {
    it('when a body is larger than the limit, then it is refused with a 413 problem before it reaches a service', async () => {
      const key = stub.addTenant('ten_big');
      const before = stub.received.length;
      const response = await callGateway(gateway.url, '/api/v1/tenants/ten_big/a', key, { method: 'POST', body: 'x'.repeat(65) });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ status: 413, max_body_bytes: 64 });
      expect(stub.received.length).toBe(before);
    });

    it('when a body trickles past the body timeout, then the answer is a 408 problem, the connection is closed and no service saw the request', async () => {
      const key = stub.addTenant('ten_slow');
      const before = stub.received.length;
      const connection = await RawConnection.open(gateway.url);
      try {
        connection.write(
          `PUT /api/v1/tenants/ten_slow/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 10\r\n\r\nab`,
        );
        const answer = await connection.read();
        expect(answer.status).toBe(408);
        expect(JSON.parse(answer.body)).toMatchObject({ status: 408, instance: '/api/v1/tenants/ten_slow/a' });
        await connection.untilClosed();
      } finally {
        connection.close();
      }
      expect(stub.received.length).toBe(before);
    });
  });

  describe('slow headers', () => {
    it('when the headers of a request do not arrive within the headers timeout, then the answer is a 408 problem and the connection is closed', async () => {
      const connection = await RawConnection.open(gateway.url);
      try {
        connection.write('GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        const answer = await connection.read();
        expect(answer.status).toBe(408);
        expect(JSON.parse(answer.body)).toMatchObject({ status: 408, type: 'https://tenantry.dev/problems/request-timeout' });
        expect(answer.headers['x-content-type-options']).toEqual(['nosniff']);
        await connection.untilClosed();
      } finally {
        connection.close();
      }
    });
  });

  describe('bulkheads', () => {
    it("when a tenant has as many requests in flight as it may, then its next one gets a 429 problem with Retry-After while another tenant's and the admin's requests are served", async () => {
      const greedy = stub.addTenant('ten_greedy');
      const other = stub.addTenant('ten_other');
      const held = [
        callGateway(gateway.url, '/api/v1/tenants/ten_greedy/hold/1', greedy, { method: 'POST', body: '{}' }),
        callGateway(gateway.url, '/api/v1/tenants/ten_greedy/hold/2', greedy, { method: 'POST', body: '{}' }),
      ];
      try {
        await eventually(() => stub.heldCount === 2, { description: 'both requests to be held by the service' });
        const refused = await callGateway(gateway.url, '/api/v1/tenants/ten_greedy/a', greedy, { method: 'POST', body: '{}' });
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(await refused.json()).toMatchObject({ policy: 'concurrency', concurrency_limit: 2 });

        expect((await callGateway(gateway.url, '/api/v1/tenants/ten_other/a', other, { method: 'POST', body: '{}' })).status).toBe(201);
        expect((await callGateway(gateway.url, '/api/v1/tenants/x/a', ADMIN_KEY)).status).toBe(200);
        expect(stub.heldCount).toBe(2);
      } finally {
        stub.releaseHeld();
      }
      expect((await Promise.all(held)).map((response) => response.status)).toEqual([201, 201]);
      expect((await callGateway(gateway.url, '/api/v1/tenants/ten_greedy/a', greedy, { method: 'POST', body: '{}' })).status).toBe(201);
    });
  });

  describe('metering', () => {
    it('when a client goes away before its answer, then the request it was let through is still metered, as 499', async () => {
      const key = stub.addTenant('ten_aborted');
      const samples: Array<{ request_count: number; client_error_count: number; error_count: number }> = [];
      const subscription = await gateway.bus.subscribe({
        groupId: 'meter-aborted',
        eventTypes: ['metric.recorded'],
        fromBeginning: true,
        retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
        handler: async (event) => {
          if (event.subject === 'ten_aborted') samples.push(...event.data.samples);
        },
      });
      const client = new AbortController();
      const held = callGateway(gateway.url, '/api/v1/tenants/ten_aborted/hold/a', key, {
        method: 'POST',
        body: '{}',
        signal: client.signal,
      });
      try {
        await eventually(() => stub.heldCount === 1, { description: 'the request to be held by the service' });
        client.abort();
        await expect(held).rejects.toThrow();
        await eventually(
          async () => {
            await gateway.meter.flush();
            return samples.reduce((sum, sample) => sum + sample.request_count, 0) === 1;
          },
          { description: 'the aborted request to be metered' },
        );
        expect(samples).toEqual([expect.objectContaining({ request_count: 1, client_error_count: 1, error_count: 0 })]);
      } finally {
        stub.releaseHeld();
        await subscription.stop();
      }
    });
  });

  describe('failed authentications', () => {
    it('when an address fails to authenticate more often than allowed, then it gets 429 with Retry-After and its guesses cost no key lookup', async () => {
      const guarded = await startTestGateway(stubUrl, { authFailuresPerMinute: 3 });
      try {
        const from = {};
        const guess = (n: number) =>
          callGateway(guarded.url, '/api/v1/tenants/x', `tnt_guess${String(n).padStart(4, '0')}abcdefgh_secretsecretsecretsecretsecret`, {
            headers: from,
          });
        const statuses = [];
        for (let n = 0; n < 3; n += 1) statuses.push((await guess(n)).status);
        expect(statuses).toEqual([401, 401, 401]);
        const fourth = await guess(3);
        expect(fourth.status).toBe(429);
        expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await fourth.json()).toMatchObject({ status: 429, policy: 'authentication' });

        const lookups = stub.keyLookups;
        expect((await guess(4)).status).toBe(429);
        expect((await callGateway(guarded.url, '/api/v1/tenants/x', 'wrong-admin-key', { headers: from })).status).toBe(429);
        expect(stub.keyLookups).toBe(lookups);
        expect((await callGateway(gateway.url, '/api/v1/tenants/x', ADMIN_KEY)).status).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });
});
