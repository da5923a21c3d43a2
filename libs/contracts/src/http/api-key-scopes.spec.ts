import { API_KEY_SCOPES, apiKeyScopeSchema, requiredScope, scopesAllow } from './api-key-scopes';

describe('API key scopes', () => {
  it.each([
    ['GET', 'billing:read'],
    ['HEAD', 'billing:read'],
    ['options', 'billing:read'],
    ['POST', 'billing:write'],
    ['PUT', 'billing:write'],
    ['PATCH', 'billing:write'],
    ['DELETE', 'billing:write'],
  ] as const)('when a %s request reaches the billing area, then it needs %s', (method, scope) => {
    expect(requiredScope('billing', method)).toBe(scope);
  });

  it.each([
    [[], 'tenants:write', true],
    [['tenants:read'], 'tenants:read', true],
    [['tenants:read'], 'tenants:write', false],
    [['tenants:write'], 'tenants:read', true],
    [['billing:write'], 'tenants:read', false],
    [['billing:read', 'ai-assistant:write'], 'ai-assistant:read', true],
    [['legacy:everything'], 'tenants:read', false],
  ] as const)('when a key has the scopes %j, then %s is allowed: %s', (scopes, scope, allowed) => {
    expect(scopesAllow(scopes, scope)).toBe(allowed);
  });

  it('when a scope outside the list is asked for, then validation names the allowed ones', () => {
    const result = apiKeyScopeSchema.safeParse('usage:read');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('tenants:read');
    expect(API_KEY_SCOPES.every((scope) => apiKeyScopeSchema.safeParse(scope).success)).toBe(true);
  });
});
