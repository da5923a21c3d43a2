import { describeWithInfra, RawConnection, rawExchange, uniqueName } from '@tenantry/testing';
import { type CreatedTenant, createSettledTenants, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const HEALTH_OF_A_SERVICE = /"status":"ok","service":"(?:billing|tenants)"/;

/**
 * Issue 9, finding 1: a request whose framing the gateway did not forward as it received it (a GET with
 * `Content-Length` but no body sent upstream) desynchronised the shared keep-alive connection to a
 * service: the next request on it was read as the missing body, and the rest answered as a request of
 * its own — poisoning the public cache without any key. Raw sockets, keep-alive, the real services.
 */
describeWithInfra('request smuggling through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));
  const gatewayUrl = () => admin.baseUrl;
  let tenant: CreatedTenant;

  beforeAll(async () => {
    [tenant] = (await createSettledTenants(admin, { subscription_tier: 'pro' })) as [CreatedTenant];
  }, 60_000);

  it('when a GET declares a body it does not send and a second request carries the smuggled bytes, then nothing is desynchronised and the cache keeps the right answer', async () => {
    const marker = uniqueName('p');
    const prefix = `GET /api/v1/monetization/compare-plans?p=${marker} HTTP/1.1\r\nx-s: `;
    const smuggled = `${prefix}GET /health HTTP/1.1\r\nHost: x\r\nCache-Control: no-cache\r\n\r\n`;

    const first = await rawExchange(
      gatewayUrl(),
      `GET /api/v1/monetization/plans?n=${marker} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(prefix)}\r\n\r\n`,
    );
    const second = await rawExchange(gatewayUrl(), smuggled);

    const anyone = await admin.as(undefined).get(`/api/v1/monetization/compare-plans?p=${marker}`);
    expect(JSON.stringify(anyone.body)).not.toMatch(HEALTH_OF_A_SERVICE);
    expect(second.body).not.toMatch(HEALTH_OF_A_SERVICE);
    expect(anyone.status).toBe(200);
    expect(JSON.stringify(anyone.body)).toContain('basic');
    // The declared body never came: the gateway refuses the GET rather than forwarding a framing it does not send.
    expect(first.status).toBe(400);
    expect(first.headers['content-type']?.[0]).toMatch(/^application\/problem\+json/);
  });

  it("when a tenant sends a GET with a declared body, then the next tenant request on the gateway's pool gets its own answer", async () => {
    const key = tenant.api_key.key;
    const attack = await rawExchange(
      gatewayUrl(),
      `GET /api/v1/tenants/${tenant.tenant.id}?x=${uniqueName('q')} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 40\r\n\r\n`,
    );
    expect(attack.status).toBe(400);

    const own = await admin.as(key).get<{ id: string }>(`/api/v1/tenants/${tenant.tenant.id}?y=${uniqueName('q')}`);
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(tenant.tenant.id);
  });

  it('when a GET or HEAD carries a chunked body, then it is refused with a 400 problem and the connection answers the next request correctly', async () => {
    const connection = await RawConnection.open(gatewayUrl());
    try {
      connection.write('GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n');
      const refused = await connection.read();
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ status: 400, instance: '/api/v1/monetization/plans' });
      if (!connection.isClosed) {
        connection.write('GET /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\n\r\n');
        expect((await connection.read()).status).toBe(200);
      }
    } finally {
      connection.close();
    }
    const head = await rawExchange(gatewayUrl(), 'HEAD /api/v1/monetization/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde', {
      head: true,
    });
    expect(head.status).toBe(400);
  });

  it('when requests are pipelined on one keep-alive connection, then each gets its own answer in order', async () => {
    const connection = await RawConnection.open(gatewayUrl());
    try {
      connection.write(
        [
          'GET /api/v1/monetization/plans/pro HTTP/1.1\r\nHost: x\r\n\r\n',
          `GET /api/v1/tenants/${tenant.tenant.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.api_key.key}\r\n\r\n`,
          `POST /api/v1/tenants/${tenant.tenant.id}/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.api_key.key}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"name":"pipelined"}`,
          'GET /api/v1/monetization/plans/basic HTTP/1.1\r\nHost: x\r\n\r\n',
        ].join(''),
      );
      const answers = [await connection.read(), await connection.read(), await connection.read(), await connection.read()];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 201, 200]);
      expect(JSON.parse(answers[0]?.body ?? '{}')).toMatchObject({ id: 'pro' });
      expect(JSON.parse(answers[1]?.body ?? '{}')).toMatchObject({ id: tenant.tenant.id });
      expect(JSON.parse(answers[3]?.body ?? '{}')).toMatchObject({ id: 'basic' });
    } finally {
      connection.close();
    }
  });
});
