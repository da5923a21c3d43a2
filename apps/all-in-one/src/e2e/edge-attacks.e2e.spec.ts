import { describeWithInfra, rawExchange } from '@tenantry/testing';
import { type CreatedTenant, createSettledTenants, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

/**
 * Issue 9: the gateway attacked from the outside beyond smuggling — paths that try to reach the services'
 * `/internal/**` or un-routed endpoints, absolute-form targets, Host tricks, forwarding headers, the
 * operator's metrics. Each must be refused (4xx problem) or answered as the API it names, never with
 * internal data.
 */
describeWithInfra('attacks on the gateway edge', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));
  let tenant: CreatedTenant;

  beforeAll(async () => {
    [tenant] = (await createSettledTenants(admin, { subscription_tier: 'pro' })) as [CreatedTenant];
  }, 60_000);

  /** What internal endpoints answer: a resolved key carries its hash; /metrics is Prometheus text; /health names a service. */
  const INTERNAL = /keyHash|# HELP|# TYPE|"service":"(?:tenants|billing|observability|ai-assistant)"/;

  it('when paths try to climb out of a route to /internal or un-routed service endpoints, then each is refused and nothing internal is answered', async () => {
    const keyId = tenant.api_key.id;
    const paths = [
      `/api/v1/tenants/../../internal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/%2e%2e/%2e%2e/internal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/.%2e/.%2E/internal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/..%2f..%2finternal/v1/api-keys/${keyId}`,
      `/api/v1/tenants%2f..%2f..%2finternal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/..%5c..%5cinternal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/%252e%252e/%252e%252e/internal/v1/api-keys/${keyId}`,
      `/api/v1/tenants/;/../../metrics`,
      `//internal/v1/api-keys/${keyId}`,
      `/internal/v1/api-keys/${keyId}`,
      '/API/V1/TENANTS/../../metrics',
      '/metrics',
      '/api/v1/monetization/../../health',
    ];
    const seen: Array<{ path: string; status: number; internal: boolean }> = [];
    for (const path of paths) {
      for (const key of [undefined, tenant.api_key.key]) {
        const response = await rawExchange(
          admin.baseUrl,
          `GET ${path} HTTP/1.1\r\nHost: x\r\n${key ? `Authorization: Bearer ${key}\r\n` : ''}\r\n`,
        );
        seen.push({ path, status: response.status, internal: INTERNAL.test(response.body) });
      }
    }
    expect(seen.filter((answer) => answer.internal || answer.status < 400 || answer.status >= 500)).toEqual([]);
  });

  it('when the request target is absolute or the Host names an internal service, then the answer is the public API or a refusal', async () => {
    const absolute = await rawExchange(
      admin.baseUrl,
      `GET http://127.0.0.1:3001/internal/v1/api-keys/${tenant.api_key.id} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(absolute.status).toBe(400);
    expect(absolute.body).not.toMatch(INTERNAL);

    const hosted = await rawExchange(
      admin.baseUrl,
      `GET /api/v1/monetization/plans/pro HTTP/1.1\r\nHost: tenants:3001\r\nX-Forwarded-Host: 127.0.0.1:3001\r\n\r\n`,
    );
    expect(hosted.status).toBe(200);
    expect(JSON.parse(hosted.body)).toMatchObject({ id: 'pro' });
  });

  it('when a key id is shaped to travel as a path, then it is refused like any unknown key', async () => {
    for (const key of ['tnt_..%2f..%2fmetrics_secret', 'tnt_../../health_secretsecretsecret', `tnt_${tenant.api_key.id}%2f..%2f_x`]) {
      const response = await admin.as(key).get(`/api/v1/tenants/${tenant.tenant.id}`);
      expect({ key, status: response.status }).toEqual({ key, status: 401 });
    }
  });

  it('when a client claims an identity or a forwarding address, then it is not believed', async () => {
    const response = await admin.as(undefined).get(`/api/v1/tenants/${tenant.tenant.id}`, {
      'x-tenantry-identity': Buffer.from(JSON.stringify({ identity: { role: 'admin' }, iat: Date.now() })).toString('base64url'),
      'x-tenantry-signature': 'forged',
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      forwarded: 'for=127.0.0.1',
    });
    expect(response.status).toBe(401);
  });
});
