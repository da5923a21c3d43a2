import { isAmbiguousPath, isPublicRequest, matchRoute } from './routes';

describe('gateway routing table', () => {
  it.each([
    ['/api/v1/tenants', 'tenants'],
    ['/api/v1/tenants/ten_1/api-keys', 'tenants'],
    ['/api/v1/monetization/plans', 'billing'],
    ['/api/v1/observability/slos', 'observability'],
    ['/api/v1/ai-assistant/tasks', 'ai-assistant'],
  ])('when the path is %s, then it goes to %s', (path, service) => {
    expect(matchRoute(path)?.service).toBe(service);
  });

  it.each(['/internal/v1/api-keys/key_1', '/api/v1/tenantsX', '/api/v2/tenants', '/', '/api/v1'])(
    'when the path is %s, then no service serves it',
    (path) => {
      expect(matchRoute(path)).toBeUndefined();
    },
  );

  it.each([
    '/api/v1/tenants/../../internal/v1/x',
    '/api/v1/tenants/%2e%2e/x',
    '/api/v1/tenants/a%2Fb',
    '/api/v1/tenants/.',
    '/api/v1/tenants/a\\b',
  ])('when the path %s could be read two ways, then it is ambiguous', (path) => expect(isAmbiguousPath(path)).toBe(true));

  it('when a path has dots inside a segment, then it is fine', () => {
    expect(isAmbiguousPath('/api/v1/tenants/acme.corp/usage')).toBe(false);
  });

  it('when the ai assistant is routed, then it is gated by the ai_assistant feature', () => {
    expect(matchRoute('/api/v1/ai-assistant/tasks')?.feature).toBe('ai_assistant');
  });

  it.each([
    ['GET', '/api/v1/monetization/plans'],
    ['HEAD', '/api/v1/monetization/plans'],
    ['GET', '/api/v1/monetization/plans/pro'],
    ['GET', '/api/v1/monetization/compare-plans'],
    ['GET', '/api/v1/monetization/openapi.json'],
    ['GET', '/api/v1/tenants/openapi.json'],
  ])('when %s %s is asked, then it is public (billing catalog, API descriptions)', (method, path) => {
    expect(isPublicRequest(method, path)).toBe(true);
  });

  it.each([
    ['POST', '/api/v1/monetization/plans'],
    ['DELETE', '/api/v1/monetization/plans/pro'],
    ['OPTIONS', '/api/v1/monetization/compare-plans'],
    ['GET', '/api/v1/monetization/plans/'],
    ['GET', '/api/v1/monetization/plans/pro/prices'],
    ['GET', '/api/v1/monetization/plansX'],
    ['GET', '/api/v1/monetization/PLANS'],
    ['GET', '/api/v1/monetization/subscriptions'],
    ['GET', '/api/v1/monetization/compare-plans/x'],
    ['GET', '/api/v1/tenants/plans'],
    ['POST', '/api/v1/tenants/openapi.json'],
    ['GET', '/api/v1/tenants/openapi.jsonx'],
    ['GET', '/api/v1/tenants/ten_1/openapi.json'],
    ['GET', '/api/v1/observability/openapi.json'],
  ])('when %s %s is asked, then it needs an API key', (method, path) => {
    expect(isPublicRequest(method, path)).toBe(false);
  });
});
