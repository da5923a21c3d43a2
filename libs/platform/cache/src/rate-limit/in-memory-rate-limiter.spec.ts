import { rateLimiterContract } from '../test-support/rate-limiter.contract';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';

rateLimiterContract('in-memory', async (clock) => ({ limiter: new InMemoryRateLimiter({ now: clock }), close: () => Promise.resolve() }));

describe('InMemoryRateLimiter memory', () => {
  const limits = { perMinute: 10, perDay: 1000 };
  const start = Date.parse('2025-06-02T10:00:00Z');

  it('when tenants go quiet, then their state is forgotten once all their windows have ended', async () => {
    let now = start;
    const limiter = new InMemoryRateLimiter({ now: () => now });
    for (let index = 0; index < 1000; index += 1)
      await limiter.consume({ tenantId: `tenant-${index}`, limits, timezone: 'Europe/Ljubljana' });
    expect(limiter.trackedTenants).toBe(1000);

    now += 60_000; // every minute window is over, every day window is not: nothing may be forgotten yet
    for (let index = 0; index < 600; index += 1) await limiter.consume({ tenantId: 'active', limits, timezone: 'UTC' });
    expect(limiter.trackedTenants).toBe(1001);

    now += 2 * 86_400_000;
    for (let index = 0; index < 600; index += 1) await limiter.consume({ tenantId: 'active', limits, timezone: 'UTC' });
    expect(limiter.trackedTenants).toBe(1);
  });

  it('when tenants only have a minute limit, then they are forgotten a minute later', async () => {
    let now = start;
    const limiter = new InMemoryRateLimiter({ now: () => now });
    for (let index = 0; index < 100; index += 1)
      await limiter.consume({ tenantId: `tenant-${index}`, limits: { perMinute: 5, perDay: 'unlimited' }, timezone: 'UTC' });
    now += 60_000;
    for (let index = 0; index < 60; index += 1)
      await limiter.consume({ tenantId: 'active', limits: { perMinute: 500, perDay: 'unlimited' }, timezone: 'UTC' });
    expect(limiter.trackedTenants).toBe(1);
  });

  it('when more tenants are active than the bound, then the least recently swept are forgotten and the bound holds', async () => {
    const limiter = new InMemoryRateLimiter({ now: () => start, maxTenants: 50 });
    for (let index = 0; index < 500; index += 1) await limiter.consume({ tenantId: `tenant-${index}`, limits, timezone: 'UTC' });
    expect(limiter.trackedTenants).toBe(50);
  });
});
