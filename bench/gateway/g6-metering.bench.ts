import { now, sleep } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import { cpuCostLine, cpuLine, efficiencyRatioOf, interleave, measurementOf, ratioOf } from './compare';
import { cachedGatewayVariant, expectCacheHit } from './g1-cached-get.bench';
import { runLoad } from './load';
import { createTenant, gatewayHealth, tenantAuth, tenantUsage, type GatewayHealth } from './platform-api';
import { gatewayScenario, GatewayStack } from './stack';

const PUBLISH_TIMEOUT_MS = 15_000;
const CONVERGE_TIMEOUT_MS = 30_000;
/** The exactness run: about this long at the gateway's measured cached rate. */
const EXACTNESS_TARGET_MS = 3_000;

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<{ value: T; afterMs: number; reached: boolean }> {
  const started = now();
  let value = await read();
  while (!done(value) && now() - started < timeoutMs) {
    await sleep(intervalMs);
    value = await read();
  }
  return { value, afterMs: now() - started, reached: done(value) };
}

const meteringOf = (health: GatewayHealth) => ({
  recorded: health.metering.recorded ?? 0,
  published: health.metering.published ?? 0,
  pending: health.metering.pending_events ?? 0,
});

/**
 * G6: usage metering's cost (the same gateway with ENABLE_USAGE_METERING=false), and that it counts
 * exactly: a fresh tenant sends a known number of requests; the gateway must have recorded and published
 * that many, and the usage the tenants service shows (`/usage`: billing's metering of the `metric.recorded`
 * events, over Kafka) must reach the same number.
 */
export const metering = gatewayScenario({
  id: 'G6',
  title: 'Gateway: usage metering on vs off; produced == counted through Kafka to the tenants service',
  async measure(stack: GatewayStack, result: ScenarioResult): Promise<void> {
    const unmetered = await stack.startGateway('gateway-no-metering', { env: { ENABLE_USAGE_METERING: 'false' } });
    await Promise.all([expectCacheHit(stack, stack.gateway.url), expectCacheHit(stack, unmetered.url)]);

    const [on, off] = await interleave(
      [
        cachedGatewayVariant('gateway, metering on (flush every 1 s): cached GET', stack, stack.gateway),
        cachedGatewayVariant('gateway, ENABLE_USAGE_METERING=false: cached GET', stack, unmetered),
      ],
      { servers: stack.serverPids },
    );
    if (!on || !off) throw new Error('missing variant');
    result.measurements.push(measurementOf(on), measurementOf(off));
    result.ratios.push(
      ratioOf('metering on / off (cached GET)', on, off, { subject: 'metered', baseline: 'unmetered' }, 0.9),
      efficiencyRatioOf('metering on / off (cached GET)', on, off, { subject: 'metered', baseline: 'unmetered' }),
    );
    result.facts.push(
      { label: 'CPU per request', value: cpuCostLine([on, off]) },
      { label: 'CPU during the runs (100% = one core)', value: [on, off].map(cpuLine).join('; ') },
    );

    // Exactness: a tenant that has made no request yet, a fixed number of requests, every one answered.
    const tenant = await createTenant(stack.gateway.url, stack.adminKey, 'bench-metering', 'enterprise');
    const amount = Math.max(2_000, Math.round((on.medianRate * EXACTNESS_TARGET_MS) / 1000 / 100) * 100);
    const before = meteringOf(await gatewayHealth(stack.gateway));
    // Meanwhile, every 250 ms: requests the gateway recorded vs requests the tenants service has counted.
    const lags: Array<{ atMs: number; lag: number }> = [];
    let loading = true;
    const loadStarted = now();
    const sampling = (async () => {
      while (loading) {
        const [health, usage] = await Promise.all([
          gatewayHealth(stack.gateway),
          tenantUsage(stack.tenants.url, stack.internalSecret, tenant).catch(() => undefined),
        ]);
        if (usage)
          lags.push({ atMs: now() - loadStarted, lag: meteringOf(health).recorded - before.recorded - usage.api_calls.today.used });
        await sleep(250);
      }
    })();
    const load = await runLoad({
      url: `${stack.gateway.url}/api/v1/tenants/${tenant.tenantId}`,
      headers: tenantAuth(tenant),
      connections: 32,
      amount,
    }).finally(() => (loading = false));
    const lastResponseAt = now();
    await sampling;
    const sent = load.responses + load.errors;
    const afterLoad = meteringOf(await gatewayHealth(stack.gateway));
    const published = await waitFor(
      async () => meteringOf(await gatewayHealth(stack.gateway)),
      (m) => m.published - before.published >= m.recorded - before.recorded && m.pending === 0,
      PUBLISH_TIMEOUT_MS,
    );
    const usage = await waitFor(
      async () => (await tenantUsage(stack.tenants.url, stack.internalSecret, tenant)).api_calls.today.used,
      (used) => used >= sent,
      CONVERGE_TIMEOUT_MS,
      50,
    );
    const convergedAfterMs = now() - lastResponseAt;
    // Anything late would show up now: a double count must not appear after convergence either.
    await sleep(1_500);
    const settled = (await tenantUsage(stack.tenants.url, stack.internalSecret, tenant)).api_calls.today.used;

    const recorded = afterLoad.recorded - before.recorded;
    result.checks.push(
      {
        label: 'gateway recorded every request',
        ok: recorded === sent && load.errors === 0,
        detail: `metering.recorded +${formatNumber(recorded)} for ${formatNumber(sent)} requests sent (${formatNumber(load.responses)} answered)`,
      },
      {
        label: 'gateway published every recorded request',
        ok: published.reached && published.value.published - before.published === recorded,
        detail: `metering.published +${formatNumber(published.value.published - before.published)}, pendingEvents ${published.value.pending}, ${formatMs(published.afterMs)} after the load (flush interval 1 s)`,
      },
      {
        label: 'the tenants service counted exactly the requests sent (metric.recorded over Kafka)',
        ok: usage.reached && settled === sent,
        detail: `api_calls.today.used ${formatNumber(settled)} for ${formatNumber(sent)} sent; reached ${formatNumber(usage.value)} ${formatMs(convergedAfterMs)} after the last response${usage.reached ? '' : ' (timed out)'}; ${formatNumber(settled)} 1.5 s later`,
      },
    );
    const half = Math.floor(lags.length / 2);
    const maxLag = (samples: typeof lags) => Math.max(0, ...samples.map((sample) => sample.lag));
    result.facts.push({
      label: 'consumer lag during the load (requests recorded by the gateway − counted by the tenants service, every 250 ms)',
      value: `${lags.map((sample) => formatNumber(sample.lag)).join(', ') || 'no sample'}; max ${formatNumber(maxLag(lags.slice(0, half)))} in the first half, ${formatNumber(maxLag(lags.slice(half)))} in the second (bounded by the 1 s flush interval × the rate, not growing if the second is not larger)`,
    });
    result.facts.push({
      label: 'exactness run',
      value: `${formatNumber(amount)} cached GETs of a new enterprise tenant at ${formatNumber(load.perSecond)} req/s (32 connections)`,
    });
  },
});
