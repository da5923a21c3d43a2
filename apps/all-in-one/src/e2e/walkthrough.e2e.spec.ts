import { describeWithInfra, eventually } from '@tenantry/testing';
import {
  Client,
  createTenant,
  gatewayPlansApplied,
  realInfraEnv,
  untilGatewayPlansApplied,
  usePlatform,
} from '../test-support/e2e-harness';

/** The README walkthrough, step by step, through the gateway on real Kafka, FerretDB and Redis. */
describeWithInfra('README walkthrough through the gateway', ['kafka', 'mongo', 'redis'], (infra) => {
  // The quick analysis waits for its task before answering (202 after ASSISTANT_QUICK_WAIT, 3 s by default):
  // long enough here that a busy test machine still sees the 200 a reader sees.
  const { admin } = usePlatform(() => realInfraEnv(infra, { ASSISTANT_QUICK_WAIT: '20s' }));

  it('when a newcomer follows the README, then every step answers as written', async () => {
    // 1. Create a tenant (admin): the tenant and its first API key, shown once.
    const plansAppliedBefore = await gatewayPlansApplied(admin);
    const created = await admin.post<{ tenant: { id: string; status: string; subscription_tier: string }; api_key: { key: string } }>(
      '/api/v1/tenants',
      { name: 'Acme Corp', timezone: 'Europe/Ljubljana', metadata: { industry: 'fintech' } },
    );
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ status: 'trial', subscription_tier: 'basic' });
    expect(created.body.api_key.key).toMatch(/^tnt_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const tenantId = created.body.tenant.id;
    const tenant = admin.as(created.body.api_key.key);
    // A reader takes longer than this to reach step 2: by then billing's subscription.created (which
    // purges the tenant's cached responses) has reached the gateway. The test waits for it likewise.
    await untilGatewayPlansApplied(admin, plansAppliedBefore + 1);

    // 2. Call the API with the tenant's key: first a MISS, then a HIT from the tenant's cache namespace.
    const first = await tenant.get(`/api/v1/tenants/${tenantId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: tenantId, name: 'Acme Corp' });
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    const second = await tenant.get(`/api/v1/tenants/${tenantId}`);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(second.body).toEqual(first.body);
    // Rate-limit headers on every answer, computed fresh even on a hit (basic: 10 requests/minute).
    expect(second.headers.get('ratelimit-policy')).toContain('q=10');
    expect(second.headers.get('ratelimit')).toMatch(/r=8\b/);

    // 3. Keep calling: the 11th request in the minute is refused with 429 and Retry-After.
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<Client['get']>> | undefined;
    for (let i = 0; i < 9; i += 1) {
      const response = await tenant.get(`/api/v1/tenants/${tenantId}/features`);
      statuses.push(response.status);
      if (response.status === 429) refused ??= response;
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(8);
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    expect(refused?.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // 4. Suspend the tenant (admin): its key is refused with 403 within a second.
    const suspended = await admin.post(`/api/v1/tenants/${tenantId}/status`, { status: 'suspended', reason: 'walkthrough' });
    expect(suspended.status).toBe(200);
    const refusedAfterSuspension = await eventually(
      async () => {
        const response = await tenant.get(`/api/v1/tenants/${tenantId}`);
        if (response.status !== 403) throw new Error(`still ${response.status}`);
        return response;
      },
      { timeoutMs: 1_000, intervalMs: 25, description: 'the suspended tenant to be refused' },
    );
    expect(refusedAfterSuspension.body).toMatchObject({ status: 403, type: 'https://tenantry.dev/problems/forbidden' });
  });

  it('when a basic tenant asks the AI assistant, then it is refused naming the Pro plan; a pro tenant gets its quick analysis finished', async () => {
    // Walkthrough step 3: the assistant is not in the Basic plan; the 403 names the plan that has it.
    const basic = await createTenant(admin);
    const refused = await admin.as(basic.api_key.key).get('/api/v1/ai-assistant/tasks');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      type: 'https://tenantry.dev/problems/forbidden',
      feature: 'ai_assistant',
      current_plan: 'basic',
      required_plan: 'pro',
    });

    // Billing walkthrough step 4: on Pro, the quick analysis answers 200 with the finished task.
    const { api_key: apiKey } = await createTenant(admin, { subscription_tier: 'pro' });
    const response = await admin.as(apiKey.key).post('/api/v1/ai-assistant/quick-actions/analyze');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ action: 'analyze_usage', status: 'succeeded', result: expect.any(Object) });
  });
});
