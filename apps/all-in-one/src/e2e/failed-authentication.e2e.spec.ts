import { randomBytes } from 'node:crypto';
import { describeWithInfra } from '@tenantry/testing';
import { type CreatedTenant, createSettledTenants, realInfraEnv, usePlatform } from '../test-support/e2e-harness';

const LIMIT = 5;

/**
 * Issue 9, finding 6: 40 unknown keys and 40 admin-key guesses from one address all answered 401, and each
 * new key id cost an internal lookup. Counted in the real Redis under the client's address; the gateway
 * trusts loopback as its proxy here, so each test names an address of its own in X-Forwarded-For and runs
 * of other specs (all from 127.0.0.1) do not share its count.
 */
describeWithInfra('failed authentications are limited per client address', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() =>
    realInfraEnv(infra, { GATEWAY_AUTH_FAILURES_PER_MINUTE: String(LIMIT), GATEWAY_TRUSTED_PROXIES: 'loopback' }),
  );
  let tenant: CreatedTenant;

  beforeAll(async () => {
    [tenant] = (await createSettledTenants(admin, { subscription_tier: 'pro' })) as [CreatedTenant];
  }, 60_000);

  /** A client behind the trusted proxy, with an address (IPv6 documentation range) no other run uses. */
  const someAddress = () =>
    `198.51.100.7, 2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;

  it('when an address guesses keys past the limit, then it gets 429 problems with Retry-After, even with a valid key, while another address is unaffected', async () => {
    const from = { 'x-forwarded-for': someAddress() };
    const path = `/api/v1/tenants/${tenant.tenant.id}`;
    const statuses: number[] = [];
    for (let n = 0; n < LIMIT; n += 1) {
      const guess = n % 2 === 0 ? `tnt_guess${n}xxxxxxxxxx_${'s'.repeat(43)}` : `not-the-admin-key-${n}-0123456789abcdefghij`;
      statuses.push((await admin.as(guess).get(path, from)).status);
    }
    expect(statuses).toEqual(Array.from({ length: LIMIT }, () => 401));

    const limited = await admin.as('tnt_guessNextxxxxxxxx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx').get(path, from);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, policy: 'authentication', instance: path });

    // Refused before authentication: not even the right key is looked at from this address now.
    expect((await admin.as(tenant.api_key.key).get(path, from)).status).toBe(429);
    expect((await admin.as(tenant.api_key.key).get(path, { 'x-forwarded-for': someAddress() })).status).toBe(200);
  });

  it('when a client has a valid key, then its successful requests never count towards the limit', async () => {
    const from = { 'x-forwarded-for': someAddress() };
    const asTenant = admin.as(tenant.api_key.key);
    const statuses: number[] = [];
    for (let n = 0; n < LIMIT * 2; n += 1) statuses.push((await asTenant.get(`/api/v1/tenants/${tenant.tenant.id}?n=${n}`, from)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});
