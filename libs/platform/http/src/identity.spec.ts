import { signIdentity, verifyIdentity, type Identity } from './identity';

const secret = 's'.repeat(40);
const tenant: Identity = { role: 'tenant', tenantId: 'ten_a', keyId: 'key_1', scopes: [] };
const request = { method: 'GET', url: '/api/v1/tenants/ten_a?x=1' };

describe('signed identity headers', () => {
  it('verifies what the gateway signed for the same request', () => {
    const headers = signIdentity(tenant, request, secret, 1_000_000);
    expect(verifyIdentity(headers, request, secret, 1_000_500)).toEqual({ ok: true, identity: tenant });
  });

  it.each([
    ['another path', { method: 'GET', url: '/api/v1/tenants/ten_b?x=1' }],
    ['another query', { method: 'GET', url: '/api/v1/tenants/ten_a?x=2' }],
    ['another method', { method: 'DELETE', url: '/api/v1/tenants/ten_a?x=1' }],
  ])('refuses a captured signature replayed on %s', (_name, other) => {
    const headers = signIdentity(tenant, request, secret, 1_000_000);
    expect(verifyIdentity(headers, other, secret, 1_000_000)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuses a payload changed to another tenant', () => {
    const headers = signIdentity(tenant, request, secret, 1_000_000);
    const forged = Buffer.from(JSON.stringify({ identity: { ...tenant, tenantId: 'ten_b' }, iat: 1_000_000 })).toString('base64url');
    expect(verifyIdentity({ ...headers, 'x-tenantry-identity': forged }, request, secret, 1_000_000)).toMatchObject({ ok: false, reason: 'bad signature' });
  });

  it('refuses another secret, missing headers and an old signature', () => {
    const headers = signIdentity(tenant, request, secret, 1_000_000);
    expect(verifyIdentity(headers, request, 't'.repeat(40), 1_000_000)).toMatchObject({ ok: false });
    expect(verifyIdentity({}, request, secret)).toEqual({ ok: false, reason: 'missing identity headers' });
    expect(verifyIdentity(headers, request, secret, 1_000_000 + 60_001)).toEqual({ ok: false, reason: 'expired identity' });
  });
});
