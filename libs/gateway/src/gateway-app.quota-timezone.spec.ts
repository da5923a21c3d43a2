import { callGateway, startTestGateway, StubServices, type TestGateway } from './test-support/gateway-harness';

/**
 * Issue 9, finding 3: a tenant may change its own time zone, and the daily quota follows local
 * midnight. Moving to the zone whose midnight comes next at every window end must not buy a fresh quota.
 */
describe('gateway pipeline: daily quota and time-zone changes', () => {
  let stub: StubServices;
  let gateway: TestGateway;
  let now = Date.parse('2025-06-02T00:00:00Z');

  beforeAll(async () => {
    stub = new StubServices();
    gateway = await startTestGateway(await stub.start(), {
      now: () => now,
      rateLimitOverrides: { basic: { requestsPerMinute: 'unlimited', apiCallsPerDay: 3 } },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await stub.close();
  });

  it('when a tenant exhausts its day and moves to the zone whose midnight is next, then it waits a full day, as RateLimit and Retry-After say', async () => {
    const tenantId = 'ten_zone_hopper';
    const key = stub.addTenant(tenantId, 'basic');
    const moveTo = (timezone: string): void => {
      (stub.tenants.get(tenantId) as { timezone?: string }).timezone = timezone;
      gateway.keys.forgetTenant(tenantId); // as the tenant.updated event does
    };
    const get = () => callGateway(gateway.url, `/api/v1/tenants/${tenantId}?at=${now}-${Math.random()}`, key);

    moveTo('Etc/GMT+1'); // UTC−1: its day ends at 01:00Z
    for (let call = 0; call < 3; call += 1) expect((await get()).status).toBe(200);
    const exhausted = await get();
    expect([exhausted.status, exhausted.headers.get('retry-after')]).toEqual([429, '3600']);

    now = Date.parse('2025-06-02T01:00:00Z');
    moveTo('Etc/GMT+2'); // UTC−2: midnight at 02:00Z, an hour away
    const first = await get();
    expect(first.status).toBe(200);
    // The new zone applies from its first midnight after UTC−1's next one: 3 June 02:00Z, 25 h away.
    expect([first.headers.get('ratelimit-policy'), first.headers.get('ratelimit')]).toEqual(['"day";q=3;w=90000', '"day";r=2;t=90000']);
    await get();
    await get();
    const refused = await get();
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '90000']);

    now = Date.parse('2025-06-02T02:00:00Z'); // where a shortened day would have ended
    expect((await get()).status).toBe(429);
  });
});
