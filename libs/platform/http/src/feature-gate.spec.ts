import type { PlanId } from '@tenantry/contracts';
import { featureNotInPlanError, requireFeature } from './feature-gate';
import { requireSignedIdentity, signIdentity, verifyIdentity, type Identity } from './identity';
import { serveApp, type ServedApp } from './test-support/harness';

const secret = 'f'.repeat(40);
const tenantOn = (planId?: PlanId): Identity => ({
  role: 'tenant',
  tenantId: 'ten_a',
  keyId: 'key_a',
  scopes: [],
  ...(planId ? { planId } : {}),
});

describe('requireFeature', () => {
  let served: ServedApp;

  beforeAll(async () => {
    served = await serveApp((app) => {
      app.use('/api/assistant', requireSignedIdentity(secret, { audience: 'ai-assistant' }), requireFeature('ai_assistant'));
      app.get('/api/assistant/tasks', (_req, res) => {
        res.json({ tasks: [] });
      });
    });
  });
  afterAll(() => served.close());

  const get = (identity: Identity, audience = 'ai-assistant') =>
    fetch(`${served.url}/api/assistant/tasks`, {
      headers: signIdentity(identity, { method: 'GET', url: '/api/assistant/tasks', audience }, secret),
    });

  it('when a request signed for another service arrives, then it is a 403 problem naming this one, before any feature check', async () => {
    const response = await get(tenantOn('pro'), 'billing');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      detail: 'This request was signed for the billing service, not for ai-assistant.',
      audience: 'ai-assistant',
    });
  });

  it('when a tenant on a plan with the feature calls, then the route answers', async () => {
    for (const planId of ['pro', 'enterprise'] as const) expect((await get(tenantOn(planId))).status).toBe(200);
  });

  it('when a basic tenant calls, then it gets a 403 problem naming its plan and the plan that unlocks the feature', async () => {
    const response = await get(tenantOn('basic'));
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      status: 403,
      detail: 'The Basic plan does not include ai_assistant; the Pro plan does.',
      feature: 'ai_assistant',
      current_plan: 'basic',
      required_plan: 'pro',
    });
  });

  it('when a tenant identity carries no plan, then it is refused as well (fail closed), still naming the plan that unlocks it', async () => {
    const response = await get(tenantOn());
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ feature: 'ai_assistant', required_plan: 'pro' });
    expect(body).not.toHaveProperty('currentPlan');
  });

  it('when the platform admin or a platform service calls, then the gate lets it through', async () => {
    expect((await get({ role: 'admin' })).status).toBe(200);
    expect((await get({ role: 'service', service: 'observability' })).status).toBe(200);
  });

  it('when the request is not signed, then it is refused with 401 before the gate', async () => {
    expect((await fetch(`${served.url}/api/assistant/tasks`)).status).toBe(401);
  });
});

describe('featureNotInPlanError', () => {
  it('when a feature is only in enterprise, then the problem names enterprise as the required plan', () => {
    const error = featureNotInPlanError('white_label', 'pro');
    expect(error.status).toBe(403);
    expect(error.message).toBe('The Pro plan does not include white_label; the Enterprise plan does.');
    expect(error.extensions).toEqual({ feature: 'white_label', current_plan: 'pro', required_plan: 'enterprise' });
  });
});

describe('the plan in the signed identity', () => {
  const request = { method: 'GET', url: '/api/v1/ai-assistant/tasks', audience: 'ai-assistant' };

  it('when the gateway signs a tenant with its plan, then the service reads the same plan', () => {
    const identity = tenantOn('pro');
    expect(verifyIdentity(signIdentity(identity, request, secret), request, secret, request)).toEqual({ ok: true, identity });
  });

  it('when a signed identity names a plan the catalog does not have, then it is refused as malformed', () => {
    const forged = { ...tenantOn(), planId: 'platinum' } as unknown as Identity;
    expect(verifyIdentity(signIdentity(forged, request, secret), request, secret, request)).toEqual({
      ok: false,
      reason: 'malformed identity',
    });
  });
});
