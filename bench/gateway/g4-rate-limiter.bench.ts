import { formatNumber, type ScenarioResult } from '../lib/report';
import { now, sleep } from '../lib/measure';
import { cpuCostLine, cpuLine, efficiencyRatioOf, interleave, measurementOf, ratioOf } from './compare';
import { cachedGatewayVariant, expectCacheHit } from './g1-cached-get.bench';
import { describeStatuses, runLoad, type LoadResult } from './load';
import { createTenant, gatewayHealth, probe, tenantAuth, type BenchTenant } from './platform-api';
import { gatewayScenario, GatewayStack, type ServiceProcess } from './stack';

/** The minute windows are fixed (aligned to the Redis clock's minute): a burst must not straddle two. */
const MIN_WINDOW_LEFT_MS = 15_000;
const EXACTNESS_CONNECTIONS_PER_GATEWAY = 32;

/** Waits, if needed, until the current minute has at least MIN_WINDOW_LEFT_MS left; returns how long it waited. */
async function awaitRoomInMinute(): Promise<number> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left >= MIN_WINDOW_LEFT_MS) return 0;
  await sleep(left + 200);
  return left + 200;
}

interface Exactness {
  tenant: BenchTenant;
  limit: number;
  sent: number;
  admitted: number;
  refused: number;
  others: string;
  elapsedMs: number;
  waitedMs: number;
}

/**
 * `perGateway` requests per gateway, from 32 connections each (64 in all), at once, for a tenant whose plan
 * allows `limit` per minute and that has made no request yet; counts what was admitted.
 */
async function burst(
  stack: GatewayStack,
  gateways: readonly ServiceProcess[],
  tier: 'basic' | 'pro',
  limit: number,
  perGateway: number,
): Promise<Exactness> {
  const tenant = await createTenant(stack.gateway.url, stack.adminKey, `bench-${tier}-limit`, tier);
  const waitedMs = await awaitRoomInMinute();
  const started = now();
  const loads: LoadResult[] = await Promise.all(
    gateways.map((gateway) =>
      runLoad({
        url: `${gateway.url}/api/v1/tenants/${tenant.tenantId}`,
        headers: tenantAuth(tenant),
        connections: EXACTNESS_CONNECTIONS_PER_GATEWAY,
        amount: perGateway,
      }),
    ),
  );
  const elapsedMs = now() - started;
  const count = (status: number) => loads.reduce((sum, load) => sum + (load.statuses.get(status) ?? 0), 0);
  const merged = { statuses: new Map<number, number>(), errors: loads.reduce((sum, load) => sum + load.errors, 0) };
  for (const load of loads) for (const [status, n] of load.statuses) merged.statuses.set(status, (merged.statuses.get(status) ?? 0) + n);
  return {
    tenant,
    limit,
    sent: loads.reduce((sum, load) => sum + load.responses + load.errors, 0),
    admitted: count(200),
    refused: count(429),
    others: describeStatuses(merged),
    elapsedMs,
    waitedMs,
  };
}

/**
 * G4: the Redis rate limiter's cost (the same gateway configuration with ENABLE_RATE_LIMIT=false vs
 * enterprise limits overridden to huge finite numbers, so every request runs the limiter script), and
 * its exactness: two gateway processes on one Redis, 64 connections, a plan with a small per-minute limit.
 *
 * Both sides of the ratio are gateways started for this scenario: the stack's main gateway has served
 * the scenarios before (G1–G3 in a full run) and was 7–11% slower than an identical fresh process in
 * every run that compared them (2026-12-06), which a fresh "limiter off" gateway would have counted as
 * the limiter's cost. The A/A control (a second fresh gateway with the limiter on) shows the noise floor.
 */
export const rateLimiter = gatewayScenario({
  id: 'G4',
  title: 'Gateway: rate limiter on vs off; exact admission across 2 gateway processes',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    const [limited, unlimited, replica] = await Promise.all([
      stack.startGateway('gateway-limiter-on', {}),
      stack.startGateway('gateway-no-limiter', { env: { ENABLE_RATE_LIMIT: 'false' } }),
      stack.startGateway('gateway-replica', {}),
    ]);
    await Promise.all([limited, unlimited, replica].map((gateway) => expectCacheHit(stack, gateway.url)));
    const engaged = await probe(`${limited.url}/api/v1/tenants/${stack.tenant.tenantId}`, tenantAuth(stack.tenant));
    const limiterHealth = (await gatewayHealth(limited)).rate_limiter;

    const [on, off, twin] = await interleave(
      [
        cachedGatewayVariant('gateway, rate limiter on (Redis, huge finite limits): cached GET', stack, limited),
        cachedGatewayVariant('gateway, ENABLE_RATE_LIMIT=false: cached GET', stack, unlimited),
        cachedGatewayVariant('gateway replica, same configuration as the first (A/A control): cached GET', stack, replica),
      ],
      { servers: stack.serverPids },
    );
    if (!on || !off || !twin) throw new Error('missing variant');
    result.measurements.push(measurementOf(on), measurementOf(off), measurementOf(twin));
    result.ratios.push(
      ratioOf('rate limiter on / off (cached GET)', on, off, { subject: 'limiter on', baseline: 'limiter off' }, 0.85),
      efficiencyRatioOf('rate limiter on / off (cached GET)', on, off, { subject: 'limiter on', baseline: 'limiter off' }),
      ratioOf(
        'A/A control: replica / limiter-on gateway, identical configuration (the noise floor of a gateway-vs-gateway ratio)',
        twin,
        on,
        {
          subject: 'replica',
          baseline: 'limiter on',
        },
      ),
    );
    result.facts.push(
      {
        label: 'limiter engaged on the measured gateway',
        value: `RateLimit-Policy: ${engaged.headers.get('ratelimit-policy') ?? 'none'}; RateLimit: ${engaged.headers.get('ratelimit') ?? 'none'}; operator /health rate_limiter ${JSON.stringify(limiterHealth)}`,
      },
      { label: 'CPU per request', value: cpuCostLine([on, off, twin]) },
      { label: 'CPU during the runs (100% = one core)', value: [on, off, twin].map(cpuLine).join('; ') },
    );

    for (const [tier, limit, perGateway] of [
      ['basic', 10, 320],
      ['pro', 100, 1_000],
    ] as const) {
      const outcome = await burst(stack, [limited, replica], tier, limit, perGateway);
      result.checks.push({
        label: `${tier} plan (${limit}/min): admitted exactly ${limit} across 2 gateways and ${EXACTNESS_CONNECTIONS_PER_GATEWAY * 2} connections`,
        ok: outcome.admitted === limit && outcome.admitted + outcome.refused === outcome.sent,
        detail: `admitted ${outcome.admitted} of ${formatNumber(outcome.sent)} sent (${outcome.others}) in ${formatNumber(outcome.elapsedMs)} ms${outcome.waitedMs > 0 ? `, after waiting ${formatNumber(outcome.waitedMs)} ms for a fresh minute window` : ''}`,
      });
    }
  },
});
