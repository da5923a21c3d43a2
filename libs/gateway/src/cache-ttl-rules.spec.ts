import { cacheTtlRulesSchema, compileCacheTtlRules } from './cache-ttl-rules';

describe('response cache TTL rules', () => {
  const ttl = compileCacheTtlRules([
    { tenantId: 'ten_fresh', ttlSeconds: 0 },
    { route: '/api/v1/tenants/*/features', ttlSeconds: 300 },
    { route: '/api/v1/monetization/**', ttlSeconds: 3_600 },
  ]);

  it.each([
    ['ten_a', '/api/v1/tenants/ten_a/features', 300],
    ['ten_a', '/api/v1/tenants/ten_a/features/extra', undefined],
    ['ten_a', '/api/v1/tenants/ten_a', undefined],
    ['ten_a', '/api/v1/monetization', 3_600],
    ['ten_a', '/api/v1/monetization/plans/pro', 3_600],
    ['ten_fresh', '/api/v1/tenants/ten_fresh/features', 0],
  ])('when tenant %s reads %s, then the TTL is %s', (tenantId, path, expected) => {
    expect(ttl?.({ tenantId, path })).toBe(expected);
  });

  it('when there are no rules, then there is no override function', () => {
    expect(compileCacheTtlRules([])).toBeUndefined();
  });

  it('when a rule names neither route nor tenant, or has unknown fields, then it is rejected', () => {
    expect(cacheTtlRulesSchema.safeParse([{ ttlSeconds: 5 }]).success).toBe(false);
    expect(cacheTtlRulesSchema.safeParse([{ route: '/x', ttlSeconds: 5, extra: 1 }]).success).toBe(false);
    expect(cacheTtlRulesSchema.safeParse([{ route: 'no-slash', ttlSeconds: 5 }]).success).toBe(false);
  });

  it('when a route has regex characters, then they match literally', () => {
    const literal = compileCacheTtlRules([{ route: '/api/v1/a.b', ttlSeconds: 1 }]);
    expect(literal?.({ tenantId: 't', path: '/api/v1/aXb' })).toBeUndefined();
    expect(literal?.({ tenantId: 't', path: '/api/v1/a.b' })).toBe(1);
  });
});
