import { IDENTITY_MAX_AGE_MS, signIdentity, verifyIdentity, type Identity } from './identity';

const secret = 's'.repeat(40);
const tenant: Identity = { role: 'tenant', tenantId: 'ten_a', keyId: 'key_1', scopes: [] };
const request = { method: 'GET', url: '/api/v1/tenants/ten_a?x=1' };
const forTenants = { ...request, audience: 'tenants' };
const asTenants = { audience: 'tenants' };

describe('signed identity headers', () => {
  it('when the same request reaches the service it was signed for, then it verifies', () => {
    const headers = signIdentity(tenant, forTenants, secret, 1_000_000);
    expect(verifyIdentity(headers, request, secret, asTenants, 1_000_500)).toEqual({ ok: true, identity: tenant });
  });

  it.each([
    ['another path', { method: 'GET', url: '/api/v1/tenants/ten_b?x=1' }],
    ['another query', { method: 'GET', url: '/api/v1/tenants/ten_a?x=2' }],
    ['another method', { method: 'DELETE', url: '/api/v1/tenants/ten_a?x=1' }],
  ])('when a captured signature is replayed on %s, then it is refused', (_name, other) => {
    const headers = signIdentity(tenant, forTenants, secret, 1_000_000);
    expect(verifyIdentity(headers, other, secret, asTenants, 1_000_000)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('when a signature minted for one service is presented to another, then the other refuses it, naming the audience', () => {
    const forBilling = signIdentity(tenant, { ...request, audience: 'billing' }, secret, 1_000_000);
    expect(verifyIdentity(forBilling, request, secret, asTenants, 1_000_000)).toEqual({
      ok: false,
      reason: 'signed for the billing service',
      wrongAudience: 'billing',
    });
    expect(verifyIdentity(forBilling, request, secret, { audience: 'billing' }, 1_000_000)).toMatchObject({ ok: true });
  });

  it('when the audience inside the payload is changed, then the signature no longer matches', () => {
    const headers = signIdentity(tenant, { ...request, audience: 'billing' }, secret, 1_000_000);
    const forged = Buffer.from(JSON.stringify({ identity: tenant, aud: 'tenants', iat: 1_000_000 })).toString('base64url');
    expect(verifyIdentity({ ...headers, 'x-tenantry-identity': forged }, request, secret, asTenants, 1_000_000)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it.each([
    ['signed for 12 bytes, sent with 13', 12, '13', false],
    ['signed without a body, sent with one', undefined, '5', false],
    ['signed for 5 bytes, sent without a body', 5, undefined, false],
    ['signed for 12 bytes, sent with 12', 12, '12', true],
    ['signed without a body, sent with Content-Length: 0', undefined, '0', true],
  ])('when the body length was %s, then verification is %s', (_name, signedLength, sentLength, ok) => {
    const post = { method: 'POST', url: '/api/v1/tenants' };
    const headers = signIdentity(
      tenant,
      { ...post, audience: 'tenants', ...(signedLength === undefined ? {} : { bodyLength: signedLength }) },
      secret,
      1_000_000,
    );
    const arrived = sentLength === undefined ? headers : { ...headers, 'content-length': sentLength };
    expect(verifyIdentity(arrived, post, secret, asTenants, 1_000_000).ok).toBe(ok);
  });

  it('when the payload is changed to another tenant, then it is refused', () => {
    const headers = signIdentity(tenant, forTenants, secret, 1_000_000);
    const forged = Buffer.from(JSON.stringify({ identity: { ...tenant, tenantId: 'ten_b' }, aud: 'tenants', iat: 1_000_000 })).toString(
      'base64url',
    );
    expect(verifyIdentity({ ...headers, 'x-tenantry-identity': forged }, request, secret, asTenants, 1_000_000)).toMatchObject({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('when the secret differs or the headers are missing, then it is refused', () => {
    const headers = signIdentity(tenant, forTenants, secret, 1_000_000);
    expect(verifyIdentity(headers, request, 't'.repeat(40), asTenants, 1_000_000)).toMatchObject({ ok: false });
    expect(verifyIdentity({}, request, secret, asTenants)).toEqual({ ok: false, reason: 'missing identity headers' });
  });

  it('when a signature is older than a few seconds (10 s by default, or as configured), or comes from a clock far ahead, then it has expired', () => {
    const headers = signIdentity(tenant, forTenants, secret, 1_000_000);
    expect(IDENTITY_MAX_AGE_MS).toBeLessThanOrEqual(10_000);
    expect(verifyIdentity(headers, request, secret, asTenants, 1_000_000 + IDENTITY_MAX_AGE_MS).ok).toBe(true);
    expect(verifyIdentity(headers, request, secret, asTenants, 1_000_000 + IDENTITY_MAX_AGE_MS + 1)).toEqual({
      ok: false,
      reason: 'expired identity',
    });
    expect(verifyIdentity(headers, request, secret, { ...asTenants, maxAgeMs: 3_000 }, 1_003_001)).toEqual({
      ok: false,
      reason: 'expired identity',
    });
    // A signer whose clock runs up to 2 s ahead is tolerated; beyond that it is not.
    expect(verifyIdentity(headers, request, secret, asTenants, 1_000_000 - 2_000).ok).toBe(true);
    expect(verifyIdentity(headers, request, secret, asTenants, 1_000_000 - 2_001)).toEqual({ ok: false, reason: 'expired identity' });
  });
});
