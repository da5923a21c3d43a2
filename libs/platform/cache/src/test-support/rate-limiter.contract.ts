import { type Limit, UNLIMITED } from '@tenantry/contracts';
import { uniqueName } from '@tenantry/testing';
import type { RateLimitDecision, RateLimiter, RateLimitPolicyState, RateLimitRequest } from '../rate-limit/rate-limiter';

const newTenantId = (): string => uniqueName('tenant');

function buildRequest(
  tenantId: string,
  overrides: { perMinute?: Limit; perDay?: Limit; timezone?: string; cost?: number } = {},
): RateLimitRequest {
  return {
    tenantId,
    limits: { perMinute: overrides.perMinute ?? UNLIMITED, perDay: overrides.perDay ?? UNLIMITED },
    timezone: overrides.timezone ?? 'UTC',
    ...(overrides.cost !== undefined && { cost: overrides.cost }),
  };
}

const policy = (decision: RateLimitDecision, name: 'minute' | 'day'): RateLimitPolicyState | undefined =>
  decision.policies.find((state) => state.name === name);
const remaining = (decision: RateLimitDecision, name: 'minute' | 'day'): number | undefined => policy(decision, name)?.remaining;

/**
 * THE rate limiter contract: RedisRateLimiter (against a real Redis) and InMemoryRateLimiter run exactly
 * these tests. The adapter counts against the clock it is given, so every test stands at a chosen
 * instant (a minute's end, a local midnight, a DST day) without waiting; tenants are fresh per test.
 */
export function rateLimiterContract(
  adapter: string,
  open: (clock: () => number) => Promise<{ limiter: RateLimiter; close(): Promise<void> }>,
): void {
  describe(`rate limiter contract (${adapter})`, () => {
    let now = 0;
    let limiter: RateLimiter;
    let close: () => Promise<void>;
    const at = (iso: string): void => {
      now = Date.parse(iso);
    };
    const consume = (tenantId: string, overrides: Parameters<typeof buildRequest>[1]): Promise<RateLimitDecision> =>
      limiter.consume(buildRequest(tenantId, overrides));
    const consumeTimes = async (
      times: number,
      tenantId: string,
      overrides: Parameters<typeof buildRequest>[1],
    ): Promise<RateLimitDecision[]> => {
      const decisions: RateLimitDecision[] = [];
      for (let index = 0; index < times; index += 1) decisions.push(await consume(tenantId, overrides));
      return decisions;
    };

    beforeAll(async () => {
      ({ limiter, close } = await open(() => now));
    });
    afterAll(() => close());

    it('when N requests fit the minute, then exactly N are allowed with remaining counting down, and the rest are refused until the minute ends', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T10:00:15Z');

      const allowed = await consumeTimes(5, tenantId, { perMinute: 5 });
      expect(allowed.map((decision) => [decision.allowed, remaining(decision, 'minute')])).toEqual([
        [true, 4],
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
      ]);
      expect(allowed[0]?.policies).toEqual([{ name: 'minute', limit: 5, windowSeconds: 60, remaining: 4, resetSeconds: 45 }]);

      expect(await consume(tenantId, { perMinute: 5 })).toEqual({
        allowed: false,
        refusedBy: 'minute',
        retryAfterSeconds: 45,
        policies: [{ name: 'minute', limit: 5, windowSeconds: 60, remaining: 0, resetSeconds: 45 }],
      });
      at('2025-06-02T10:00:59.400Z');
      expect(await consume(tenantId, { perMinute: 5 })).toMatchObject({ allowed: false, retryAfterSeconds: 1 });

      at('2025-06-02T10:01:00Z');
      expect(await consume(tenantId, { perMinute: 5 })).toMatchObject({
        allowed: true,
        policies: [{ name: 'minute', remaining: 4, resetSeconds: 60 }],
      });
    });

    it('when many requests for one tenant race, then exactly the limit is allowed', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T10:20:00Z');
      const decisions = await Promise.all(Array.from({ length: 50 }, () => consume(tenantId, { perMinute: 7, perDay: 1000 })));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
      expect(decisions.filter((decision) => !decision.allowed).every((decision) => decision.refusedBy === 'minute')).toBe(true);
    });

    it('when the daily quota refuses a request, then the request does not take from the minute', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T10:30:00Z');
      await consumeTimes(3, tenantId, { perMinute: 10, perDay: 3 });

      const refused = await consume(tenantId, { perMinute: 10, perDay: 3 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: 'day', retryAfterSeconds: 13.5 * 3600 });
      expect([remaining(refused, 'minute'), remaining(refused, 'day')]).toEqual([7, 0]);

      // With room in the day (a bigger plan), the minute shows only the three that were allowed.
      expect(remaining(await consume(tenantId, { perMinute: 10, perDay: 5 }), 'minute')).toBe(6);
    });

    it('when the minute refuses a request, then the request does not take from the daily quota', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T11:00:30Z');
      await consumeTimes(2, tenantId, { perMinute: 2, perDay: 100 });

      const refused = await consume(tenantId, { perMinute: 2, perDay: 100 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: 'minute', retryAfterSeconds: 30 });
      expect(remaining(refused, 'day')).toBe(98);

      at('2025-06-02T11:01:00Z');
      expect(remaining(await consume(tenantId, { perMinute: 2, perDay: 100 }), 'day')).toBe(97);
    });

    it('when both limits are exceeded, then the refusal names the one that ends last and Retry-After waits for both', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T23:59:00Z');
      await consume(tenantId, { perMinute: 1, perDay: 1 });
      expect(await consume(tenantId, { perMinute: 1, perDay: 1 })).toMatchObject({
        allowed: false,
        refusedBy: 'day',
        retryAfterSeconds: 60,
      });

      at('2025-06-02T12:00:10Z');
      const other = newTenantId();
      await consume(other, { perMinute: 1, perDay: 1 });
      expect(await consume(other, { perMinute: 1, perDay: 1 })).toMatchObject({
        allowed: false,
        refusedBy: 'day',
        retryAfterSeconds: 12 * 3600 - 10,
      });
    });

    it('when a request costs several units, then it takes them from both policies, or is refused whole when they do not fit', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T12:10:00Z');
      const limits = { perMinute: 10, perDay: 10 };
      expect((await consume(tenantId, { ...limits, cost: 4 })).policies.map((state) => state.remaining)).toEqual([6, 6]);
      expect((await consume(tenantId, { ...limits, cost: 4 })).policies.map((state) => state.remaining)).toEqual([2, 2]);

      const refused = await consume(tenantId, { ...limits, cost: 4 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: 'day' });
      expect(refused.policies.map((state) => state.remaining)).toEqual([2, 2]);
      expect(await consume(tenantId, { ...limits, cost: 2 })).toMatchObject({
        allowed: true,
        policies: [{ remaining: 0 }, { remaining: 0 }],
      });
    });

    it('when a limit is unlimited, then it is neither counted nor reported; when both are, every request is allowed with no policies', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T12:20:00Z');
      const [first, second, third] = await consumeTimes(3, tenantId, { perMinute: UNLIMITED, perDay: 2 });
      expect(first?.policies.map((state) => state.name)).toEqual(['day']);
      expect([first?.allowed, second?.allowed, third?.allowed]).toEqual([true, true, false]);
      expect(third?.refusedBy).toBe('day');

      const enterprise = newTenantId();
      const decisions = await consumeTimes(30, enterprise, { perMinute: UNLIMITED, perDay: UNLIMITED });
      expect(
        decisions.every((decision) => decision.allowed && decision.policies.length === 0 && decision.retryAfterSeconds === undefined),
      ).toBe(true);
    });

    it("when it is midnight in the tenant's time zone, then its daily quota starts again, and not at UTC midnight", async () => {
      const ljubljana = newTenantId();
      const utc = newTenantId();
      const inLjubljana = { perDay: 2, timezone: 'Europe/Ljubljana' };
      at('2025-06-02T21:59:30Z'); // 23:59:30 in Ljubljana (UTC+2)
      await consumeTimes(2, ljubljana, inLjubljana);
      expect(await consume(ljubljana, inLjubljana)).toMatchObject({ allowed: false, refusedBy: 'day', retryAfterSeconds: 30 });
      expect(policy(await consume(utc, { perDay: 2 }), 'day')).toMatchObject({ remaining: 1, resetSeconds: 2 * 3600 + 30 });

      at('2025-06-02T22:00:00Z');
      expect(await consume(ljubljana, inLjubljana)).toMatchObject({
        allowed: true,
        policies: [{ name: 'day', limit: 2, windowSeconds: 86_400, remaining: 1, resetSeconds: 86_400 }],
      });
      expect(remaining(await consume(utc, { perDay: 2 }), 'day')).toBe(0);
    });

    it('when the local day has a DST change, then the day window is 23 or 25 hours long and resets at the next local midnight', async () => {
      const hours = (count: number): number => count * 3600;
      const cases: Array<{ timezone: string; instant: string; what: string; windowSeconds: number; resetSeconds: number }> = [
        {
          timezone: 'Europe/Ljubljana',
          instant: '2025-03-29T23:00:00Z',
          what: 'spring forward, at local midnight',
          windowSeconds: hours(23),
          resetSeconds: hours(23),
        },
        {
          timezone: 'Europe/Ljubljana',
          instant: '2025-10-25T22:00:00Z',
          what: 'fall back, at local midnight',
          windowSeconds: hours(25),
          resetSeconds: hours(25),
        },
        {
          timezone: 'America/Santiago',
          instant: '2025-09-07T04:00:00Z',
          what: 'no local midnight: the day starts at 01:00',
          windowSeconds: hours(23),
          resetSeconds: hours(23),
        },
        {
          timezone: 'America/New_York',
          instant: '2025-11-02T12:00:00Z',
          what: 'fall back, 07:00 local',
          windowSeconds: hours(25),
          resetSeconds: hours(17),
        },
      ];
      for (const { timezone, instant, what, windowSeconds, resetSeconds } of cases) {
        at(instant);
        const decision = await consume(newTenantId(), { perDay: 100, timezone });
        expect({ what, day: policy(decision, 'day') }).toEqual({
          what,
          day: { name: 'day', limit: 100, remaining: 99, windowSeconds, resetSeconds },
        });
      }

      const tenantId = newTenantId();
      const santiago = { perDay: 1, timezone: 'America/Santiago' };
      at('2025-09-07T03:59:59Z'); // 23:59:59 on 6 September; the next local second is 01:00:00 on the 7th
      await consume(tenantId, santiago);
      expect(await consume(tenantId, santiago)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
      at('2025-09-07T04:00:00Z');
      expect(await consume(tenantId, santiago)).toMatchObject({ allowed: true });
    });

    it('when the tenant changes time zone mid-day, then its count carries over until that day ends', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T12:00:00Z');
      await consumeTimes(2, tenantId, { perDay: 2, timezone: 'UTC' });
      // Kiritimati (UTC+14) is already on 3 June: a new zone must not hand out a fresh day.
      expect(await consume(tenantId, { perDay: 2, timezone: 'Pacific/Kiritimati' })).toMatchObject({
        allowed: false,
        retryAfterSeconds: 12 * 3600,
      });
    });

    it('when the tenant moves to the zone whose midnight comes soonest at every window end, then no day is shortened: 20, 10, 10 calls on three UTC days against a quota of 10', async () => {
      // The attack of issue 9: at each window end pick the whole-hour zone (UTC−12 … UTC+14) whose local
      // midnight is next. Before the fix every window lasted an hour: 240 calls per UTC day.
      const quota = 10;
      const tenantId = newTenantId();
      const HOUR = 3_600_000;
      const soonestMidnightZone = (instant: number): string => {
        let best = { offset: 0, midnight: Number.POSITIVE_INFINITY };
        for (let offset = -12; offset <= 14; offset += 1) {
          const local = instant + offset * HOUR;
          const midnight = Math.floor(local / 86_400_000 + 1) * 86_400_000 - offset * HOUR;
          if (midnight < best.midnight) best = { offset, midnight };
        }
        return best.offset === 0 ? 'Etc/UTC' : `Etc/GMT${best.offset > 0 ? '-' : '+'}${Math.abs(best.offset)}`; // Etc/GMT-2 is UTC+2
      };
      const allowedPerUtcDay = new Map<string, number>();
      const firstOfWindow: Array<RateLimitPolicyState | undefined> = [];
      at('2025-06-02T00:00:00Z');
      const end = Date.parse('2025-06-05T00:00:00Z');
      while (now < end) {
        const timezone = soonestMidnightZone(now);
        const decisions = await consumeTimes(quota + 1, tenantId, { perDay: quota, timezone });
        // Retry-After is truthful: the first call once it has passed is allowed.
        expect(decisions[0]?.allowed).toBe(true);
        firstOfWindow.push(policy(decisions[0] as RateLimitDecision, 'day'));
        const day = new Date(now).toISOString().slice(0, 10);
        allowedPerUtcDay.set(day, (allowedPerUtcDay.get(day) ?? 0) + decisions.filter((decision) => decision.allowed).length);
        const refused = decisions[quota] as RateLimitDecision;
        expect(refused).toMatchObject({ allowed: false, refusedBy: 'day' });
        now += (refused.retryAfterSeconds as number) * 1000;
      }

      expect(Object.fromEntries(allowedPerUtcDay)).toEqual({ '2025-06-02': 20, '2025-06-03': 10, '2025-06-04': 10 });
      // 1st window: UTC−1's calendar day (it ends at 01:00Z). 2nd: UTC−2 from 01:00Z may not end before
      // UTC−1's next midnight (3 June 01:00Z), so it runs to UTC−2's midnight after that: 25 hours, all reported.
      expect(firstOfWindow.slice(0, 3)).toEqual([
        { name: 'day', limit: quota, remaining: quota - 1, windowSeconds: 24 * 3600, resetSeconds: 3600 },
        { name: 'day', limit: quota, remaining: quota - 1, windowSeconds: 25 * 3600, resetSeconds: 25 * 3600 },
        { name: 'day', limit: quota, remaining: quota - 1, windowSeconds: 25 * 3600, resetSeconds: 25 * 3600 },
      ]);
    });

    it("when the tenant changes time zone and then idles past the day that bounded it, then the new zone's calendar day applies", async () => {
      const tenantId = newTenantId();
      at('2025-06-02T12:00:00Z');
      await consume(tenantId, { perDay: 5, timezone: 'Etc/UTC' }); // ends 3 June 00:00Z; the next may not end before 4 June 00:00Z
      at('2025-06-04T00:30:00Z'); // 09:30 in Tokyo on 4 June
      expect(policy(await consume(tenantId, { perDay: 5, timezone: 'Asia/Tokyo' }), 'day')).toEqual({
        name: 'day',
        limit: 5,
        remaining: 4,
        windowSeconds: 24 * 3600,
        resetSeconds: 14.5 * 3600,
      });
    });

    it('when the plan changes mid-window, then the new limits apply at once to the count so far', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T12:30:00Z');
      await consumeTimes(3, tenantId, { perMinute: 3 });
      expect((await consume(tenantId, { perMinute: 3 })).allowed).toBe(false);

      expect((await consumeTimes(3, tenantId, { perMinute: 5 })).map((decision) => decision.allowed)).toEqual([true, true, false]);
      expect((await consume(tenantId, { perMinute: 3 })).allowed).toBe(false);
    });

    it('when one tenant is exhausted, then another tenant is not affected', async () => {
      const [noisy, quiet] = [newTenantId(), newTenantId()];
      at('2025-06-02T12:40:00Z');
      await consumeTimes(3, noisy, { perMinute: 2, perDay: 10 });
      expect(await consume(quiet, { perMinute: 2, perDay: 10 })).toMatchObject({
        allowed: true,
        policies: [{ remaining: 1 }, { remaining: 9 }],
      });
    });

    it('when tenant ids are adversarial look-alikes, then each has its own counters', async () => {
      const suffix = uniqueName('x');
      const ids = [
        `a:b${suffix}`,
        `a${suffix}`,
        `a${suffix}}:{b`,
        `a${suffix}*`,
        `a${suffix}%3A`,
        `a${suffix}:`,
        `a${suffix}:ratelimit:counters`,
        `${suffix} ž ✓`,
        `{a${suffix}}`,
      ];
      at('2025-06-02T12:50:00Z');
      const first = await Promise.all(ids.map((tenantId) => consume(tenantId, { perMinute: 1, perDay: 5 })));
      const second = await Promise.all(ids.map((tenantId) => consume(tenantId, { perMinute: 1, perDay: 5 })));
      expect(first.map((decision) => decision.allowed)).toEqual(ids.map(() => true));
      expect(second.map((decision) => decision.refusedBy)).toEqual(ids.map(() => 'minute'));
    });

    it('when the input is invalid, then it is rejected and nothing is counted', async () => {
      const tenantId = newTenantId();
      at('2025-06-02T13:00:00Z');
      for (const overrides of [
        { perMinute: -1 },
        { perMinute: 1.5 },
        { perDay: Number.NaN },
        { perMinute: 5, cost: 0 },
        { perMinute: 5, cost: 1.5 },
      ]) {
        await expect(consume(tenantId, overrides)).rejects.toBeInstanceOf(RangeError);
      }
      await expect(consume(tenantId, { perDay: 5, timezone: 'Mars/Olympus_Mons' })).rejects.toThrow(/IANA time zone/);
      await expect(consume('', { perMinute: 5 })).rejects.toBeInstanceOf(TypeError);
      expect(remaining(await consume(tenantId, { perMinute: 5, perDay: 5 }), 'minute')).toBe(4);
    });
  });
}
